import { performance } from 'node:perf_hooks';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import type { DatasetContract, FeatureRow } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { ModelHolder, PredictionLogEntry, ServableModel, ServingMetrics } from '@churn/serving';
import type { CheckpointStore } from './checkpoints.js';
import { putAll } from './kinesis-io.js';
import type { StreamMetrics } from './metrics.js';
import { dlqEntryOf, parseRecord, resultOf, type InputRecord, type InvalidRecord, type ValidRecord } from './records.js';

export interface ConsumerOptions {
  kinesis: KinesisClient;
  streams: { input: string; results: string; dlq: string };
  holder: ModelHolder;
  log: { log(entry: PredictionLogEntry): void };
  checkpoints: CheckpointStore;
  metrics: ServingMetrics;
  streamMetrics: StreamMetrics;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  /** How often to look for new shards (resharding). */
  shardRefreshMs?: number;
  onPrediction?: (features: FeatureRow, chance: number) => void;
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
 * Consumes every shard of the input stream. Per batch: validate, predict, write results (and refused
 * records to the DLQ), then checkpoint the batch's last sequence number. A crash between the writes and
 * the checkpoint replays the batch (at-least-once); results carry the input sequence number so
 * duplicates can be dropped downstream.
 */
export class StreamConsumer {
  private readonly abort = new AbortController();
  private readonly shards = new Map<string, Promise<void>>();
  private refresher: Promise<void> | undefined;
  private readonly pendingCheckpoints = new Map<string, Promise<void>>();
  processed = 0;

  constructor(private readonly options: ConsumerOptions) {}

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
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.options.streams.input }),
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
    const { kinesis, streams, checkpoints, logger } = this.options;
    await this.pendingCheckpoints.get(shardId);
    const checkpoint = await checkpoints.get(shardId);
    if (checkpoint) {
      try {
        const { ShardIterator } = await kinesis.send(
          new GetShardIteratorCommand({ StreamName: streams.input, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }),
        );
        if (ShardIterator) {
          logger.info({ shardId, after: checkpoint }, 'resuming shard after checkpoint');
          return ShardIterator;
        }
      } catch (error) {
        logger.warn({ err: error, shardId, checkpoint }, 'checkpoint not usable; reading from the oldest record');
      }
    }
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: streams.input, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    if (!ShardIterator) throw new Error(`no iterator for ${shardId}`);
    logger.info({ shardId }, 'reading shard from TRIM_HORIZON');
    return ShardIterator;
  }

  private async runShard(shardId: string): Promise<void> {
    const { kinesis, logger, streamMetrics } = this.options;
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
        streamMetrics.lag.set({ shard: shardId }, response.MillisBehindLatest ?? 0);
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

  private async processBatch(shardId: string, records: _Record[]): Promise<void> {
    const { streams, kinesis, streamMetrics, metrics } = this.options;
    const started = performance.now();
    const inputs = records.map((r) => ({ sequenceNumber: r.SequenceNumber ?? '', partitionKey: r.PartitionKey ?? '', data: r.Data ?? new Uint8Array() }));
    const { runId, chances, scored, invalid, response } = this.score(inputs);
    const predictedAt = new Date();
    const results = scored.map((record, i) => ({
      PartitionKey: record.input.partitionKey || record.input.sequenceNumber,
      Data: Buffer.from(JSON.stringify(resultOf(record, chances[i] as number, runId, shardId, predictedAt, response))),
    }));
    const dead = invalid.map((record) => ({
      PartitionKey: record.input.partitionKey || record.input.sequenceNumber,
      Data: Buffer.from(JSON.stringify(dlqEntryOf(record, shardId, streams.input))),
    }));
    try {
      await Promise.all([putAll(kinesis, streams.results, results), putAll(kinesis, streams.dlq, dead)]);
    } catch (error) {
      streamMetrics.records.inc({ outcome: 'failed' }, records.length);
      throw error;
    }

    const latency = performance.now() - started;
    metrics.observePredictions('stream', chances);
    for (let i = 0; i < scored.length; i += 1) {
      const record = scored[i] as ValidRecord;
      const chance = chances[i] as number;
      this.options.log.log({
        model_run_id: runId,
        source: 'stream',
        features: record.features,
        churn_chance: chance,
        latency_ms: latency,
        created_at: predictedAt,
        sequence_number: record.input.sequenceNumber,
        ...(record.customerId !== undefined ? { customer_id: record.customerId } : {}),
        ...(record.requestId !== undefined ? { request_id: record.requestId } : {}),
      });
      this.options.onPrediction?.(record.features, chance);
    }
    streamMetrics.records.inc({ outcome: 'ok' }, scored.length);
    if (invalid.length > 0) {
      streamMetrics.records.inc({ outcome: 'invalid' }, invalid.length);
      streamMetrics.dlq.inc(invalid.length);
    }
    this.processed += records.length;
    streamMetrics.batchDuration.observe((performance.now() - started) / 1000);
  }

  /**
   * Validates the batch with the served model's contract and scores it with that model (a promotion
   * switches both at once). Scores in one call; if the model refuses a row (FeatureError), scores row
   * by row to single it out.
   */
  private score(inputs: InputRecord[]): { runId: string; chances: Float64Array; scored: ValidRecord[]; invalid: InvalidRecord[]; response: DatasetContract['response'] } {
    return this.options.holder.use(({ runId, model }) => {
      const parsed = inputs.map((input) => parseRecord(model.contract, input));
      const valid = parsed.filter((p): p is ValidRecord => p.ok);
      const invalid = parsed.filter((p): p is InvalidRecord => !p.ok);
      const { chances, refused } = this.predict(model, valid);
      invalid.push(...refused);
      const scored = refused.length === 0 ? valid : valid.filter((v) => !refused.some((r) => r.input === v.input));
      return { runId, chances, scored, invalid, response: model.contract.response };
    });
  }

  private predict(model: ServableModel, valid: ValidRecord[]): { chances: Float64Array; refused: InvalidRecord[] } {
    if (valid.length === 0) return { chances: new Float64Array(0), refused: [] };
    try {
      return { chances: model.predict(valid.map((v) => v.features)), refused: [] };
    } catch (error) {
      if (typeof (error as { field?: unknown }).field !== 'string') throw error;
    }
    const refused: InvalidRecord[] = [];
    const chances: number[] = [];
    for (const record of valid) {
      try {
        chances.push(model.predict([record.features])[0] as number);
      } catch (error) {
        const field = (error as { field?: unknown }).field;
        if (typeof field !== 'string') throw error;
        refused.push({ ok: false, input: record.input, field, reason: (error as Error).message });
      }
    }
    return { chances: Float64Array.from(chances), refused };
  }

  /** A failed checkpoint only means a longer replay after a crash: log it and go on. */
  private async checkpoint(shardId: string, sequenceNumber: string): Promise<void> {
    try {
      await this.options.checkpoints.save(shardId, sequenceNumber);
    } catch (error) {
      this.options.logger.warn({ err: error, shardId, sequenceNumber }, 'checkpoint failed; will retry with the next batch');
    }
  }
}
