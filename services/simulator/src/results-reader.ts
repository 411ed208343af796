import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type GetRecordsCommandOutput, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '@churn/logger';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/**
 * Tails every shard of the results stream from now on (LATEST) and hands each parsed result to
 * `onResult`; the simulator matches its own request ids to measure end-to-end latency.
 */
export class ResultsReader {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly stream: string,
    private readonly onResult: (result: Record<string, unknown>, receivedAt: number) => void,
    private readonly logger: Logger,
    private readonly pollMs = 100,
  ) {}

  async start(): Promise<void> {
    const { Shards = [] } = await this.kinesis.send(new ListShardsCommand({ StreamName: this.stream }));
    const iterators = await Promise.all(
      Shards.map(async (shard) => {
        const { ShardIterator } = await this.kinesis.send(new GetShardIteratorCommand({ StreamName: this.stream, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' }));
        return ShardIterator;
      }),
    );
    this.loops = iterators.filter((it): it is string => it !== undefined).map((it) => this.tail(it));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  private async tail(first: string): Promise<void> {
    let iterator: string | undefined = first;
    const signal = this.abort.signal;
    while (iterator && !signal.aborted) {
      try {
        const page: GetRecordsCommandOutput = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const receivedAt = Date.now();
        for (const record of page.Records ?? []) {
          try {
            this.onResult(JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')) as Record<string, unknown>, receivedAt);
          } catch {
            // Not ours or not JSON: the simulator only measures its own results.
          }
        }
        iterator = page.NextShardIterator;
        if ((page.Records ?? []).length === 0) await sleep(this.pollMs, signal);
      } catch (error) {
        this.logger.warn({ err: error, stream: this.stream }, 'reading results failed; retrying');
        await sleep(1_000, signal);
      }
    }
  }
}
