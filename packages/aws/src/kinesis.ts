import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the stream unless it exists and waits until it is ACTIVE (kinesalite takes ~0.5 s,
 * AWS tens of seconds), so callers can put records right away.
 */
export async function ensureStream(kinesis: KinesisClient, name: string, shards = 1, timeoutMs = 120_000): Promise<void> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary?.StreamStatus === 'ACTIVE' || summary?.StreamStatus === 'UPDATING') return;
    if (Date.now() > deadline) throw new Error(`stream ${name} not ACTIVE after ${timeoutMs} ms (status ${summary?.StreamStatus})`);
    await sleep(200);
  }
}
