import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';

const PUT_RECORDS_MAX = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown when some entries still fail after every retry. */
export class PutRecordsError extends Error {
  override readonly name = 'PutRecordsError';
  constructor(
    readonly stream: string,
    readonly failed: number,
    readonly lastError: string,
  ) {
    super(`${failed} records not written to ${stream} after retries: ${lastError}`);
  }
}

/**
 * Writes every entry with PutRecords (500 per call), resending only the entries that failed
 * (throttling, internal errors), with exponential backoff.
 */
export async function putAll(
  kinesis: KinesisClient,
  stream: string,
  entries: PutRecordsRequestEntry[],
  options: { attempts?: number; baseDelayMs?: number } = {},
): Promise<void> {
  const attempts = options.attempts ?? 8;
  const chunks: PutRecordsRequestEntry[][] = [];
  for (let start = 0; start < entries.length; start += PUT_RECORDS_MAX) chunks.push(entries.slice(start, start + PUT_RECORDS_MAX));
  // Chunks go in parallel: results carry their input's sequence number, so order across calls does not matter.
  await Promise.all(chunks.map((chunk) => putChunk(kinesis, stream, chunk, attempts, options.baseDelayMs ?? 50)));
}

async function putChunk(kinesis: KinesisClient, stream: string, chunk: PutRecordsRequestEntry[], attempts: number, baseDelayMs: number): Promise<void> {
  let pending = chunk;
  let lastError = '';
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt >= attempts) throw new PutRecordsError(stream, pending.length, lastError);
    if (attempt > 0) await sleep(Math.min(baseDelayMs * 2 ** (attempt - 1), 2_000));
    try {
      const response = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      if (!response.FailedRecordCount) return;
      const results = response.Records ?? [];
      lastError = results.find((r) => r.ErrorCode)?.ErrorMessage ?? 'failed entries';
      pending = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
    } catch (error) {
      lastError = (error as Error).message;
    }
  }
}
