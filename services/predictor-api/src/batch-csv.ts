import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { CellsValidator, CsvError, CsvRows, plainCells, type DatasetContract, type FeatureRow } from '@churn/churn-data';
import type { ModelHolder, RowScores } from '@churn/serving';
import { HttpError } from './errors.js';
import { scoreWithServedModel, type Scored } from './scoring.js';

/** The part of an HTTP response the batch writer uses (tests pass a plain collector). */
export interface CsvSink {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** Called with every scored chunk before its output is written; a batch awaits it (prediction log backpressure). */
export type OnScored = (features: FeatureRow[], scores: RowScores, runId: string, customerIds: (string | undefined)[]) => void | Promise<void>;

export interface BatchOptions {
  holder: ModelHolder;
  /** Rows scored per model call; also how often output is written. */
  chunkRows: number;
  /** Most rows one request may send (PREDICTOR_API_MAX_BATCH_ROWS). */
  maxRows: number;
  onScored?: OnScored;
}

/** A body of more rows than PREDICTOR_API_MAX_BATCH_ROWS. */
export class RowLimitError extends HttpError {
  constructor(readonly limit: number) {
    super(413, `more than ${limit} rows: PREDICTOR_API_MAX_BATCH_ROWS=${limit} is the most one request may send; split the file`, '(body)');
  }
}

const quote = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const line = (cells: readonly string[]) => `${cells.map(quote).join(',')}\n`;
/** A row's cells, as CsvRows.push() would have given them. */
const cellsOf = (row: string | string[]) => (typeof row === 'string' ? plainCells(row) : row);
/**
 * An input row's first `width` cells (missing ones empty) as CSV, without the line's end. A row still
 * held as its line (validateChunk split every other one) is written back as it came.
 */
function echoed(row: string | readonly string[], width: number): string {
  if (typeof row === 'string') return row;
  let text = quote(row[0] ?? '');
  for (let c = 1; c < width; c += 1) text += `,${quote(row[c] ?? '')}`;
  return text;
}

interface CsvChunk {
  columns: string[];
  /** Per row its cells in the header's order, or a plain row's line (CsvRows.pushLines). */
  rows: (string | string[])[];
  /** Rows read before this chunk. */
  offset: number;
}

/**
 * A CSV stream in chunks of `chunkRows` rows, read as it arrives. A malformed tail or the row limit
 * is thrown after the rows before it were yielded, so good rows are never lost to a bad tail.
 */
async function* csvChunks(input: Readable, chunkRows: number, maxRows: number): AsyncGenerator<CsvChunk> {
  const reader = new CsvRows();
  const decoder = new StringDecoder('utf8');
  let columns: string[] | undefined;
  const rows: (string | string[])[] = [];
  let read = 0;
  let failure: unknown;
  const take = (row: string | string[]) => {
    if (!columns) columns = cellsOf(row);
    else if (read === maxRows) failure = new RowLimitError(maxRows);
    else {
      rows.push(row);
      read += 1;
    }
  };
  // Iterated by hand: leaving a for-await early would destroy the request, and its socket with the answer.
  const pieces = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let ended = false;
  try {
    try {
      for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
        for (const row of reader.pushLines(decoder.write(next.value))) take(row);
        if (failure !== undefined) break;
        while (columns && rows.length >= chunkRows) yield { columns, offset: read - rows.length, rows: rows.splice(0, chunkRows) };
      }
      ended = failure === undefined;
      if (ended) for (const row of reader.endLines(decoder.end())) take(row);
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      failure = error;
    }
    if (columns && rows.length > 0) yield { columns, rows, offset: read - rows.length };
    if (failure !== undefined) throw failure;
  } finally {
    // A body not read to its end (row limit, a 400, a refused row) is discarded as it arrives: node
    // leaves a body we started reading to us, and the connection would hang. resume() is a no-op
    // while the iterator's 'readable' listener is attached.
    if (!ended) {
      input.removeAllListeners('readable');
      input.resume();
    }
  }
}

/** The validator of one batch's header for `contract`: made at its first chunk, again only if a promotion changes the contract. */
const validators = new WeakMap<readonly string[], { contract: DatasetContract; validator: CellsValidator }>();

/** A chunk's rows validated with `contract`: features of the good rows, and per row its error or undefined. */
function validateChunk(contract: DatasetContract, { columns, rows }: CsvChunk) {
  let made = validators.get(columns);
  if (made?.contract !== contract) {
    // A raw export's header ("Tenure Months", "Customer_Age") named as the contract's cleaning names it.
    made = { contract, validator: new CellsValidator(contract, columns.map((c) => contract.normaliseColumn(c))) };
    validators.set(columns, made);
  }
  const { validator } = made;
  const features: FeatureRow[] = [];
  const ids: (string | undefined)[] = [];
  const errors: ({ message: string; field: string } | undefined)[] = [];
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i] as string | string[];
    let request = typeof row === 'string' ? validator.parseLine(row) : validator.parse(row);
    if (!request) {
      // Not readable in place (spaces around a cell, another cell count): its cells from now on, echo included.
      const cells = cellsOf(row);
      rows[i] = cells;
      request = validator.parse(cells);
    }
    if (!request.ok) {
      errors.push({ message: request.message, field: request.field });
      continue;
    }
    errors.push(undefined);
    features.push(request.features);
    ids.push(request.customerId === undefined ? undefined : String(request.customerId));
  }
  return { features, ids, errors };
}

/**
 * Scores a CSV stream as it arrives: rows are parsed incrementally, validated with the served model's
 * contract, scored `chunkRows` at a time and written straight back, so memory stays flat for any file
 * size. Output = the input columns plus the contract's chance and run id fields (`churn chance`,
 * `model_run_id` by default) and `error`; a bad row gets its reason in `error` and an empty chance
 * instead of failing the file. Past `maxRows` (or a malformed tail) the answer ends with one row
 * saying why. Returns the number of rows scored.
 */
export async function scoreCsv(input: Readable, output: CsvSink, options: BatchOptions): Promise<number> {
  let columns: string[] | undefined;
  let rows = 0;

  const send = async (text: string) => {
    if (!output.headersSent) output.setHeader('content-type', 'text/csv; charset=utf-8');
    if (!output.write(text)) await once(output as unknown as NodeJS.EventEmitter, 'drain');
  };

  // Fixed by the first chunk's model: a multi-class model answers its class and a probability column per class instead of the chance.
  let classes: number | undefined;
  try {
    for await (const chunk of csvChunks(input, options.chunkRows, options.maxRows)) {
      const scored = scoreWithServedModel(options.holder, (contract) => validateChunk(contract, chunk));
      const { parsed, runId } = scored;
      if (!columns) {
        columns = chunk.columns;
        classes = scored.classes;
        const { chance_field, run_id_field } = scored.contract.response;
        const answer = classes ? ['predicted_class', ...Array.from({ length: classes }, (_, c) => `probability_${c}`)] : [chance_field];
        await send(line([...columns, ...answer, run_id_field, 'error']));
      }
      // A promotion mid-batch to a model of another kind cannot fill these columns: its rows say so, unlogged.
      const switched = scored.classes !== classes ? `the served model changed during the batch to one with ${scored.classes ?? 'no'} classes; send these rows again` : undefined;
      if (parsed.features.length > 0 && !switched) await options.onScored?.(parsed.features, scored, runId, parsed.ids);
      const blank = classes ? classes + 1 : 1;
      // A good row's answer ends the same way every time: the run id and an empty error.
      const scoredTail = `,${quote(runId)},\n`;
      let next = 0;
      let text = '';
      for (let i = 0; i < chunk.rows.length; i += 1) {
        const head = echoed(chunk.rows[i] as string | string[], columns.length);
        const error = parsed.errors[i]?.message ?? switched;
        if (error !== undefined) text += `${head}${','.repeat(blank + 2)}${quote(error)}\n`;
        else if (classes && scored.probabilities) {
          const p = Array.from(scored.probabilities.subarray(next * classes, (next + 1) * classes));
          text += `${head},${p.indexOf(Math.max(...p))},${p.join(',')}${scoredTail}`;
        } else text += `${head},${scored.chances[next]}${scoredTail}`;
        if (parsed.errors[i] === undefined) next += 1;
      }
      rows += chunk.rows.length;
      await send(text);
    }
  } catch (error) {
    const limit = error instanceof RowLimitError;
    if (!limit && !(error instanceof CsvError)) throw error;
    if (!output.headersSent) throw limit ? error : new HttpError(400, `malformed CSV: ${(error as Error).message}`, '(body)');
    const reason = limit ? `${error.message}; the rows above were scored` : `malformed CSV after row ${rows}: ${(error as Error).message}`;
    await send(line([...(columns ?? []).map(() => ''), ...Array.from({ length: classes ? classes + 1 : 1 }, () => ''), '', reason]));
    return rows;
  }
  if (!columns) throw new HttpError(400, 'empty CSV: expected a header row and at least one row', '(body)');
  return rows;
}

/**
 * MLflow's `text/csv` scoring, streamed: every row must be valid (the first bad one is a 400 naming
 * `rows[i].field`, as before), so only the predictions are held until the end (8 bytes a row for a
 * chance), never the body or the features. Chunks are logged as they are scored: a 400 at row i
 * leaves the rows before it logged, as they were scored.
 */
export async function scoreCsvForMlflow(
  input: Readable,
  options: BatchOptions,
): Promise<{ rows: number; predictions: (Float64Array | number[] | number[][])[] }> {
  const predictions: (Float64Array | number[] | number[][])[] = [];
  let rows = 0;
  try {
    for await (const chunk of csvChunks(input, options.chunkRows, options.maxRows)) {
      const scored: Scored<ReturnType<typeof validateChunk>> = scoreWithServedModel(
        options.holder,
        (contract) => {
          const parsed = validateChunk(contract, chunk);
          const bad = parsed.errors.findIndex((e) => e !== undefined);
          const error = parsed.errors[bad];
          if (error) throw new HttpError(400, `rows[${chunk.offset + bad}].${error.message}`, `rows[${chunk.offset + bad}].${error.field}`);
          return parsed;
        },
        true,
      );
      await options.onScored?.(scored.parsed.features, scored, scored.runId, scored.parsed.ids);
      predictions.push(scored.predictions ?? scored.chances);
      rows += chunk.rows.length;
    }
  } catch (error) {
    if (error instanceof CsvError) throw new HttpError(400, `malformed CSV: ${(error as Error).message}`, '(body)');
    throw error;
  }
  if (rows === 0) throw new HttpError(400, 'CSV: expected a header row and at least one row', '(body)');
  return { rows, predictions };
}

/** `{"predictions": [...]}` written piece by piece with backpressure, as MLflow's scoring server answers. */
export async function sendPredictions(output: CsvSink, predictions: readonly (Float64Array | number[] | number[][])[]): Promise<void> {
  output.setHeader('content-type', 'application/json; charset=utf-8');
  let first = true;
  let text = '{"predictions":[';
  for (const piece of predictions) {
    for (const value of piece) {
      text += (first ? '' : ',') + JSON.stringify(value);
      first = false;
    }
    if (!output.write(text)) await once(output as unknown as NodeJS.EventEmitter, 'drain');
    text = '';
  }
  output.write(`${text}]}`);
}
