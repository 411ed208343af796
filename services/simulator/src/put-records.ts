import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** PutRecords in calls of 500, resending failed entries with backoff; throws when some never go. */
export async function putAll(kinesis: KinesisClient, stream: string, entries: PutRecordsRequestEntry[], attempts = 5): Promise<void> {
  for (let start = 0; start < entries.length; start += 500) {
    let pending = entries.slice(start, start + 500);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= attempts) throw new Error(`${pending.length} records not put to ${stream}`);
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const response = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      const results = response.Records ?? [];
      pending = response.FailedRecordCount ? pending.filter((_, i) => results[i]?.ErrorCode !== undefined) : [];
    }
  }
}
