import type { _Record } from '@aws-sdk/client-kinesis';
import type { DatasetContract } from '@churn/churn-data';
import { countStored, parseOutcome, type Outcome, type OutcomeMetrics, type OutcomeStore } from '@churn/drift/outcomes';
import type { CheckpointStore } from './checkpoints.js';
import { putAll } from './kinesis-io.js';
import { dlqEntryOf, type InvalidRecord } from './records.js';
import { ShardConsumer, type ShardConsumerOptions } from './shard-consumer.js';

export interface OutcomeConsumerOptions extends Omit<ShardConsumerOptions, 'onLag'> {
  store: OutcomeStore;
  /** The contract outcomes are read with: the served model's. */
  contract: () => DatasetContract;
  dlq: string;
  metrics: OutcomeMetrics;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Checkpoints of another stream in the same collection: shard ids repeat across streams. */
export function prefixedCheckpoints(store: CheckpointStore, prefix: string): CheckpointStore {
  return { get: (shardId) => store.get(`${prefix}${shardId}`), save: (shardId, sequenceNumber) => store.save(`${prefix}${shardId}`, sequenceNumber) };
}

/**
 * Reads the outcomes stream: each record one outcome as POST /outcomes takes it (observed_at defaults
 * to the record's arrival, so a replay stores the same outcome), valid ones stored, refused ones sent
 * to the DLQ with the reason. A replayed batch stores its outcomes again, which the quality join
 * ignores (the first received labels).
 */
export class OutcomeStreamConsumer extends ShardConsumer {
  constructor(private readonly outcomes: OutcomeConsumerOptions) {
    super(outcomes);
  }

  protected async processBatch(shardId: string, records: _Record[]): Promise<void> {
    const { store, metrics, kinesis, dlq, stream } = this.outcomes;
    const contract = this.outcomes.contract();
    const valid: Outcome[] = [];
    const refused: InvalidRecord[] = [];
    for (const record of records) {
      const input = { sequenceNumber: record.SequenceNumber ?? '', partitionKey: record.PartitionKey ?? '', data: record.Data ?? new Uint8Array() };
      let body: unknown;
      try {
        body = JSON.parse(decoder.decode(input.data));
      } catch (error) {
        refused.push({ ok: false, input, field: '(record)', reason: `not UTF-8 JSON: ${(error as Error).message}` });
        continue;
      }
      const result = parseOutcome(contract, body, record.ApproximateArrivalTimestamp ?? new Date());
      if (result.ok) valid.push(result.outcome);
      else refused.push({ ok: false, input, field: result.field, reason: result.message });
    }
    await putAll(
      kinesis,
      dlq,
      refused.map((r) => ({ PartitionKey: r.input.partitionKey || r.input.sequenceNumber, Data: Buffer.from(JSON.stringify(dlqEntryOf(r, shardId, stream))) })),
    );
    const stored = await store.insert(valid);
    // Counted once the batch is handled: a failed one is re-read and counted then.
    metrics.received.inc(records.length);
    metrics.invalid.inc(refused.length);
    countStored(metrics, stored);
    this.processed += records.length;
  }
}
