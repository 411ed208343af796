import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { parseRequest, type DatasetContract, type FeatureRow } from '@churn/churn-data';
import type { ModelHolder } from '@churn/serving';
import { parse } from 'csv-parse';
import { HttpError } from './errors.js';
import { currentContract, scoreWithServedModel } from './scoring.js';

/** The part of an HTTP response the batch writer uses (tests pass a plain collector). */
export interface CsvSink {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface BatchOptions {
  holder: ModelHolder;
  /** The configured contract, for the header if no model is loaded yet. */
  contract: DatasetContract;
  /** Rows scored per model call; also how often output is written. */
  chunkRows: number;
  /** Called with every scored chunk (prediction log, metrics). */
  onScored?: (features: FeatureRow[], chances: Float64Array, runId: string, customerIds: (string | undefined)[]) => void;
}

const quote = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const line = (cells: readonly string[]) => `${cells.map(quote).join(',')}\n`;

/**
 * Scores a CSV stream as it arrives: rows are parsed incrementally, validated with the served model's
 * contract, scored `chunkRows` at a time and written straight back, so memory stays flat for any file
 * size. Output = the input columns plus the contract's chance and run id fields (`churn chance`,
 * `model_run_id` by default) and `error`; a bad row gets its reason in `error` and an empty chance
 * instead of failing the file. Returns the number of rows read.
 */
export async function scoreCsv(input: Readable, output: CsvSink, options: BatchOptions): Promise<number> {
  const parser = input.pipe(parse({ columns: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }));
  input.once('error', (error) => parser.destroy(error));
  let columns: string[] | undefined;
  let chunk: Record<string, string>[] = [];
  let rows = 0;

  const send = async (text: string) => {
    if (!output.headersSent) output.setHeader('content-type', 'text/csv; charset=utf-8');
    if (!output.write(text)) await once(output as unknown as NodeJS.EventEmitter, 'drain');
  };

  const flush = async () => {
    if (chunk.length === 0) return;
    const errors: (string | undefined)[] = [];
    const { parsed, runId, chances } = scoreWithServedModel(options.holder, (contract) => {
      const features: FeatureRow[] = [];
      const ids: (string | undefined)[] = [];
      // A raw export's header ("Tenure Months", "Customer_Age") named as the contract's cleaning names it.
      const names = (columns ?? []).map((c) => contract.normaliseColumn(c));
      const renamed = names.some((name, i) => name !== columns?.[i]);
      for (const record of chunk) {
        const request = parseRequest(contract, renamed ? Object.fromEntries(names.map((name, i) => [name, record[columns?.[i] as string]])) : record, 'text');
        if (!request.ok) {
          errors.push(request.message);
          continue;
        }
        errors.push(undefined);
        features.push(request.features);
        ids.push(request.customerId === undefined ? undefined : String(request.customerId));
      }
      return { features, ids };
    });
    if (parsed.features.length > 0) options.onScored?.(parsed.features, chances, runId, parsed.ids);
    let next = 0;
    let text = '';
    for (let i = 0; i < chunk.length; i += 1) {
      const record = chunk[i] as Record<string, string>;
      const error = errors[i];
      const chance = error === undefined ? String(chances[next++]) : '';
      text += line([...(columns ?? []).map((c) => record[c] ?? ''), chance, error === undefined ? runId : '', error ?? '']);
    }
    chunk = [];
    await send(text);
  };

  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      if (!columns) {
        columns = Object.keys(record);
        const { chance_field, run_id_field } = currentContract(options).response;
        await send(line([...columns, chance_field, run_id_field, 'error']));
      }
      chunk.push(record);
      rows += 1;
      if (chunk.length >= options.chunkRows) await flush();
    }
    await flush();
  } catch (error) {
    if (error instanceof HttpError || !(error instanceof Error) || !('code' in error) || !String(error.code).startsWith('CSV_')) throw error;
    if (!output.headersSent && rows === 0) throw new HttpError(400, `malformed CSV: ${error.message}`, '(body)');
    await flush();
    await send(line([...(columns ?? []).map(() => ''), '', '', `malformed CSV after row ${rows}: ${error.message}`]));
  }
  if (!columns) throw new HttpError(400, 'empty CSV: expected a header row and at least one row', '(body)');
  return rows;
}
