import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { describeIssue, featureRowSchema, toFeatures, type ChurnFeatures } from '@churn/churn-data';
import type { ModelHolder } from '@churn/serving';
import { parse } from 'csv-parse';
import { HttpError } from './errors.js';

/** The part of an HTTP response the batch writer uses (tests pass a plain collector). */
export interface CsvSink {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface BatchOptions {
  holder: ModelHolder;
  /** Rows scored per model call; also how often output is written. */
  chunkRows: number;
  /** Called with every scored chunk (prediction log, metrics). */
  onScored?: (features: ChurnFeatures[], chances: Float64Array, runId: string, customerIds: (string | undefined)[]) => void;
}

const quote = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const line = (cells: readonly string[]) => `${cells.map(quote).join(',')}\n`;

/**
 * Scores a CSV stream as it arrives: rows are parsed incrementally, scored `chunkRows` at a time and
 * written straight back, so memory stays flat for any file size. Output = the input columns plus
 * `churn chance`, `model_run_id` and `error`; a bad row gets its reason in `error` and an empty chance
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
    const valid: ChurnFeatures[] = [];
    const ids: (string | undefined)[] = [];
    const errors: (string | undefined)[] = chunk.map((record) => {
      const parsed = featureRowSchema.safeParse(record);
      if (!parsed.success) return describeIssue(parsed.error).message;
      valid.push(toFeatures(parsed.data));
      ids.push(parsed.data.customer_id);
      return undefined;
    });
    const { runId, chances } = valid.length > 0 ? options.holder.use(({ runId, model }) => ({ runId, chances: model.predict(valid) })) : { runId: options.holder.runId ?? '', chances: new Float64Array(0) };
    if (valid.length > 0) options.onScored?.(valid, chances, runId, ids);
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
        await send(line([...columns, 'churn chance', 'model_run_id', 'error']));
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
