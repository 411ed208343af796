import { randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand, DeleteStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { defaultContract, type ChurnRow } from '@churn/churn-data';
import { ensureStream } from '@churn/aws';

/** Fresh streams per test so parallel runs never read each other's records. */
export async function createTestStreams(kinesis: KinesisClient, inputShards = 2) {
  const suffix = randomUUID().slice(0, 8);
  const streams = { input: `int-predictions-${suffix}`, results: `int-results-${suffix}`, dlq: `int-dlq-${suffix}`, outcomes: `int-outcomes-${suffix}` };
  await Promise.all([
    ensureStream(kinesis, streams.input, inputShards),
    ensureStream(kinesis, streams.results, 1),
    ensureStream(kinesis, streams.dlq, 1),
    ensureStream(kinesis, streams.outcomes, 1),
  ]);
  return {
    ...streams,
    checkpoints: `int_checkpoints_${suffix}`,
    remove: () => Promise.all(Object.values(streams).map((name) => kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined))),
  };
}

export const requestOf = (row: ChurnRow, i: number) => {
  const body: Record<string, unknown> = { customer_id: i, request_id: `r${i}` };
  for (const name of defaultContract().featureNames) body[name] = row[name];
  return body;
};

/** Puts raw payloads (500 per call), spread over shards by partition key; returns their sequence numbers. */
export async function putPayloads(kinesis: KinesisClient, stream: string, payloads: (string | Uint8Array)[]): Promise<string[]> {
  const sequenceNumbers: string[] = [];
  for (let start = 0; start < payloads.length; start += 500) {
    const slice = payloads.slice(start, start + 500);
    const response = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: slice.map((p, i) => ({ PartitionKey: `k${start + i}`, Data: typeof p === 'string' ? Buffer.from(p) : p })) }),
    );
    if (response.FailedRecordCount) throw new Error(`${response.FailedRecordCount} test records not put`);
    sequenceNumbers.push(...(response.Records ?? []).map((r) => r.SequenceNumber ?? ''));
  }
  return sequenceNumbers;
}

/** Every record of every shard so far, parsed as JSON. */
export async function readAll(kinesis: KinesisClient, stream: string): Promise<Record<string, unknown>[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out: Record<string, unknown>[] = [];
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) out.push(JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')) as Record<string, unknown>);
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

