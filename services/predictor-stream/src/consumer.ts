import { performance } from 'node:perf_hooks';
import type { KinesisClient, _Record } from '@aws-sdk/client-kinesis';
import type { DatasetContract, FeatureRow } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import { classesOf, scoreRows, type ModelHolder, type PredictionLogEntry, type RowScores, type ServableModel, type ServingMetrics } from '@churn/serving';
import type { CheckpointStore } from './checkpoints.js';
import { putAll } from './kinesis-io.js';
import type { StreamMetrics } from './metrics.js';
import { dlqEntryOf, parseRecord, resultOf, type InputRecord, type InvalidRecord, type ValidRecord } from './records.js';
import { ShardConsumer } from './shard-consumer.js';

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

/**
 * Consumes every shard of the input stream. Per batch: validate, predict, write results (and refused
 * records to the DLQ), then checkpoint the batch's last sequence number. A crash between the writes and
 * the checkpoint replays the batch (at-least-once); results carry the input sequence number so
 * duplicates can be dropped downstream.
 */
export class StreamConsumer extends ShardConsumer {
  constructor(private readonly predictions: ConsumerOptions) {
    super({
      kinesis: predictions.kinesis,
      stream: predictions.streams.input,
      checkpoints: predictions.checkpoints,
      logger: predictions.logger,
      batchSize: predictions.batchSize,
      pollIntervalMs: predictions.pollIntervalMs,
      ...(predictions.shardRefreshMs !== undefined ? { shardRefreshMs: predictions.shardRefreshMs } : {}),
      onLag: (shard: string, ms: number) => predictions.streamMetrics.lag.set({ shard }, ms),
    });
  }

  protected async processBatch(shardId: string, records: _Record[]): Promise<void> {
    const { streams, kinesis, streamMetrics, metrics } = this.predictions;
    const started = performance.now();
    const inputs = records.map((r) => ({ sequenceNumber: r.SequenceNumber ?? '', partitionKey: r.PartitionKey ?? '', data: r.Data ?? new Uint8Array() }));
    const { runId, scores, scored, invalid, response } = this.score(inputs);
    const { chances } = scores;
    const predictedAt = new Date();
    // A multi-class model's result and log entry also carry its class and every class's probability.
    const results = scored.map((record, i) => ({
      PartitionKey: record.input.partitionKey || record.input.sequenceNumber,
      Data: Buffer.from(JSON.stringify({ ...resultOf(record, chances[i] as number, runId, shardId, predictedAt, response), ...classesOf(scores, i) })),
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
      this.predictions.log.log({
        model_run_id: runId,
        source: 'stream',
        features: record.features,
        churn_chance: chance,
        ...classesOf(scores, i),
        latency_ms: latency,
        created_at: predictedAt,
        sequence_number: record.input.sequenceNumber,
        ...(record.customerId !== undefined ? { customer_id: record.customerId } : {}),
        ...(record.requestId !== undefined ? { request_id: record.requestId } : {}),
      });
      this.predictions.onPrediction?.(record.features, chance);
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
  private score(inputs: InputRecord[]): { runId: string; scores: RowScores; scored: ValidRecord[]; invalid: InvalidRecord[]; response: DatasetContract['response'] } {
    return this.predictions.holder.use(({ runId, model }) => {
      const parsed = inputs.map((input) => parseRecord(model.contract, input));
      const valid = parsed.filter((p): p is ValidRecord => p.ok);
      const invalid = parsed.filter((p): p is InvalidRecord => !p.ok);
      const { scores, refused } = this.predict(model, valid);
      invalid.push(...refused);
      const scored = refused.length === 0 ? valid : valid.filter((v) => !refused.some((r) => r.input === v.input));
      return { runId, scores, scored, invalid, response: model.contract.response };
    });
  }

  private predict(model: ServableModel, valid: ValidRecord[]): { scores: RowScores; refused: InvalidRecord[] } {
    try {
      return { scores: scoreRows(model, valid.map((v) => v.features)), refused: [] };
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
    return { scores: { chances: Float64Array.from(chances) }, refused };
  }
}
