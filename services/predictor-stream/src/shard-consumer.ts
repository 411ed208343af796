import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import type { Logger } from '@churn/logger';
import type { CheckpointStore } from './checkpoints.js';

export interface ShardConsumerOptions {
  kinesis: KinesisClient;
  /** The stream read. */
  stream: string;
  checkpoints: CheckpointStore;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  /** How often to look for new shards (resharding). */
  shardRefreshMs?: number;
  /** MillisBehindLatest of each GetRecords. */
  onLag?: (shardId: string, ms: number) => void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/** Batches scored and being written at once per shard; checkpoints still advance strictly in order. */
const MAX_BATCHES_IN_FLIGHT = 3;

const RETRYABLE_READ = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'KMSThrottlingException', 'InternalFailure', 'ServiceUnavailable']);

/**
 * Reads every shard of one stream from its checkpoint: the next page is fetched while the current
 * batch is handled, and each batch's last sequence number is checkpointed once it and the batches
 * before it are done. A failed batch is re-read from the checkpoint (at-least-once), so `processBatch`
 * must be idempotent or its output de-duplicable downstream.
 */
export abstract class ShardConsumer {
  private readonly abort = new AbortController();
  private readonly shards = new Map<string, Promise<void>>();
  private refresher: Promise<void> | undefined;
  private readonly pendingCheckpoints = new Map<string, Promise<void>>();
  processed = 0;

  constructor(protected readonly options: ShardConsumerOptions) {}

  get running(): boolean {
    return !this.abort.signal.aborted && this.shards.size > 0;
  }

  async start(): Promise<void> {
    await this.discoverShards();
    this.refresher = (async () => {
      while (!this.abort.signal.aborted) {
        await sleep(this.options.shardRefreshMs ?? 30_000, this.abort.signal);
        if (this.abort.signal.aborted) break;
        await this.discoverShards().catch((error: unknown) => this.options.logger.warn({ err: error }, 'listing shards failed'));
      }
    })();
  }

  /** Stops polling; the batch in progress finishes and is checkpointed. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.shards.values(), this.refresher]);
    await Promise.allSettled([...this.pendingCheckpoints.values()]);
  }

  private async discoverShards(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.options.kinesis.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.options.stream }),
      );
      for (const shard of page.Shards ?? []) {
        const id = shard.ShardId;
        if (!id || this.shards.has(id)) continue;
        this.shards.set(id, this.runShard(id));
      }
      token = page.NextToken;
    } while (token);
  }

  private async iteratorFor(shardId: string): Promise<string> {
    const { kinesis, stream, checkpoints, logger } = this.options;
    await this.pendingCheckpoints.get(shardId);
    const checkpoint = await checkpoints.get(shardId);
    if (checkpoint) {
      try {
        const { ShardIterator } = await kinesis.send(
          new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }),
        );
        if (ShardIterator) {
          logger.info({ shardId, after: checkpoint }, 'resuming shard after checkpoint');
          return ShardIterator;
        }
      } catch (error) {
        logger.warn({ err: error, shardId, checkpoint }, 'checkpoint not usable; reading from the oldest record');
      }
    }
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    if (!ShardIterator) throw new Error(`no iterator for ${shardId}`);
    logger.info({ shardId }, 'reading shard from TRIM_HORIZON');
    return ShardIterator;
  }

  private async runShard(shardId: string): Promise<void> {
    const { kinesis, logger } = this.options;
    const signal = this.abort.signal;
    const read = (iterator: string) => kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize }));
    let iterator: string | undefined;
    // The next page is fetched while the current one is scored and written.
    let prefetched: ReturnType<typeof read> | undefined;
    // Batches whose writes are under way; each one's checkpoint waits for its own writes and the previous checkpoint.
    let inFlight: Promise<void>[] = [];
    let chain: Promise<void> = Promise.resolve();
    let backoff = this.options.pollIntervalMs;
    while (!signal.aborted) {
      try {
        iterator ??= await this.iteratorFor(shardId);
        const response = await (prefetched ?? read(iterator));
        prefetched = undefined;
        this.options.onLag?.(shardId, response.MillisBehindLatest ?? 0);
        const records = response.Records ?? [];
        if (records.length > 0 && response.NextShardIterator) {
          prefetched = read(response.NextShardIterator);
          prefetched.catch(() => undefined);
        }
        if (records.length > 0) {
          const written = this.processBatch(shardId, records);
          const last = records.at(-1)?.SequenceNumber;
          chain = Promise.all([chain, written]).then(() => (last ? this.checkpoint(shardId, last) : undefined));
          chain.catch(() => undefined);
          this.pendingCheckpoints.set(shardId, chain.catch(() => undefined));
          inFlight.push(chain);
          while (inFlight.length >= MAX_BATCHES_IN_FLIGHT) await inFlight.shift();
        }
        backoff = this.options.pollIntervalMs;
        if (!response.NextShardIterator) {
          await Promise.all(inFlight);
          logger.info({ shardId }, 'shard closed and fully read');
          return;
        }
        iterator = response.NextShardIterator;
        if (records.length === 0) await sleep(this.options.pollIntervalMs, signal);
      } catch (error) {
        // Let the other batches settle, then replay from the last checkpoint (at-least-once).
        await Promise.allSettled(inFlight);
        inFlight = [];
        chain = Promise.resolve();
        prefetched = undefined;
        const name = (error as { name?: string }).name ?? '';
        if (name === 'ExpiredIteratorException') iterator = undefined;
        else if (!RETRYABLE_READ.has(name)) {
          logger.error({ err: error, shardId }, 'batch failed; re-reading from the checkpoint');
          iterator = undefined;
        }
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
    await Promise.allSettled(inFlight);
  }

  protected abstract processBatch(shardId: string, records: _Record[]): Promise<void>;

  /** A failed checkpoint only means a longer replay after a crash: log it and go on. */
  private async checkpoint(shardId: string, sequenceNumber: string): Promise<void> {
    try {
      await this.options.checkpoints.save(shardId, sequenceNumber);
    } catch (error) {
      this.options.logger.warn({ err: error, shardId, sequenceNumber }, 'checkpoint failed; will retry with the next batch');
    }
  }
}
