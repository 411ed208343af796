import { relative, resolve } from 'node:path';
import { cleanRecords, normaliseRecords, rejectedShare } from '../clean.js';
import { DatasetContract } from '../contract.js';
import { assessQuality } from '../quality.js';
import type { CheckArgs } from './args.js';
import { checkReport } from './check-report.js';
import { CliError, type Io } from './io.js';
import { readCsv } from './read-csv.js';
import { percent } from './table.js';

/** `dataset check`: the report to stdout; exit 1 when more rows are rejected than the contract allows. */
export function runCheck(args: CheckArgs, io: Io): number {
  const contract = DatasetContract.load(resolve(io.cwd, args.contract));
  const csv = args.csv === undefined ? contract.sourceLocation : resolve(io.cwd, args.csv);
  if (csv.startsWith('s3://')) throw new CliError(`${args.contract}: source ${csv} is in S3; download it and pass it with --csv`);
  const csvFile = args.csv ?? relative(io.cwd, csv);
  const { records, lines } = readCsv(csv, csvFile);
  const cleaned = cleanRecords(contract, records, lines);
  const normalised = normaliseRecords(contract, records);
  const quality = assessQuality(contract, records, cleaned);
  io.out(`${checkReport({ contract, contractFile: args.contract, csvFile, cleaned, quality, valueOf: (row) => normalised[row.index]?.[row.field] })}\n`);

  const share = rejectedShare(cleaned);
  const limit = contract.spec.max_rejected_share;
  if (share > limit) {
    io.err(`${csvFile}: ${percent(share)} of rows rejected, more than max_rejected_share ${percent(limit)} in ${args.contract}\n`);
    return 1;
  }
  io.out(`\nok: ${percent(share)} of rows rejected, within max_rejected_share ${percent(limit)}\n`);
  return 0;
}
