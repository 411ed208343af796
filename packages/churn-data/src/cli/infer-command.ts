import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import { cleanRecords } from '../clean.js';
import { DATASETS_DIR, DatasetContract } from '../contract.js';
import { InferError, inferContract, type ColumnDecision } from '../infer.js';
import type { InferArgs } from './args.js';
import { contractYaml } from './contract-yaml.js';
import { CliError, type Io } from './io.js';
import { readCsv } from './read-csv.js';
import { SCHEMA_FILE } from './schema-command.js';
import { percent, table } from './table.js';

/** A path as the contract writes it: relative to the contract's folder, with / on every platform. */
function relativeTo(folder: string, path: string): string {
  const rel = relative(folder, path).split(sep).join('/');
  return rel.startsWith('.') || rel.startsWith('/') ? rel : `./${rel}`;
}

/** The schema line: relative inside the repository (it moves with a clone), absolute for a contract kept elsewhere. */
function schemaPathFrom(folder: string): string {
  const outside = relative(resolve(DATASETS_DIR, '..'), folder).startsWith('..');
  return outside ? SCHEMA_FILE : relativeTo(folder, SCHEMA_FILE);
}

/** "Telco Customer Churn.csv" -> telco-customer-churn. */
const nameOf = (csv: string) =>
  basename(csv, extname(csv))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'dataset';

const decisionsTable = (columns: readonly ColumnDecision[]) =>
  table(
    ['csv column', 'name', 'role', 'kind', 'missing', 'policy', 'why'],
    columns.map((c) => [c.header, c.name, c.role, c.kind ?? '', percent(c.missingShare), c.policy ?? '', c.why]),
  );

/** `dataset infer`: the contract goes to --out or stdout; the summary to stdout or stderr, so piped YAML stays clean. */
export function runInfer(args: InferArgs, io: Io): number {
  const csv = resolve(io.cwd, args.csv);
  const out = args.out === undefined ? undefined : resolve(io.cwd, args.out);
  if (out && existsSync(out) && !args.force) throw new CliError(`--out ${args.out}: the file exists (a contract you may have edited); pass --force to overwrite it`);
  const { records, lines } = readCsv(csv, args.csv);
  const folder = out ? dirname(out) : io.cwd;
  let inferred;
  try {
    inferred = inferContract(records, { target: args.target, name: args.name ?? nameOf(csv), source: relativeTo(folder, csv) });
  } catch (error) {
    if (error instanceof InferError) throw new CliError(`${args.csv}: ${error.message}`);
    throw error;
  }
  const yaml = contractYaml(inferred, schemaPathFrom(folder));
  // The contract must load and clean its own CSV before anyone reviews it.
  const contract = DatasetContract.parse(yaml, out ?? resolve(io.cwd, 'contract.yaml'));
  const cleaned = cleanRecords(contract, records, lines);

  const summary = [
    decisionsTable(inferred.columns),
    '',
    `on ${args.csv} the contract keeps ${cleaned.rows.length} of ${records.length} rows (${cleaned.droppedMissing} dropped for missing values, ${cleaned.invalid.length} rejected)`,
  ];
  if (out) {
    try {
      mkdirSync(folder, { recursive: true });
      writeFileSync(out, yaml);
    } catch (error) {
      throw new CliError(`${args.out}: cannot write the contract: ${(error as Error).message}`);
    }
    io.out(`${summary.join('\n')}\nwrote ${args.out}: review it, then run npm run dataset -- check ${args.out}\n`);
  } else {
    io.out(yaml);
    io.err(`${summary.join('\n')}\n`);
  }
  return 0;
}
