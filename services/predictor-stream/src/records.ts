import { parseRequest, type DatasetContract, type FeatureRow } from '@churn/churn-data';
import { z } from 'zod';

/** Optional fields a producer may add to a prediction request; echoed in the result. */
const envelopeSchema = z.object({
  request_id: z.string().max(128).optional(),
  sent_at: z.union([z.number(), z.string().max(64)]).optional(),
});

export interface InputRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  arrivedAt?: Date;
}

export interface ValidRecord {
  ok: true;
  input: InputRecord;
  features: FeatureRow;
  customerId?: string | number;
  requestId?: string;
  sentAt?: number | string;
}

export interface InvalidRecord {
  ok: false;
  input: InputRecord;
  field: string;
  reason: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates one Kinesis record: UTF-8 JSON, a valid request under the served model's contract. */
export function parseRecord(contract: DatasetContract, input: InputRecord): ValidRecord | InvalidRecord {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(input.data));
  } catch (error) {
    return { ok: false, input, field: '(record)', reason: `not UTF-8 JSON: ${(error as Error).message}` };
  }
  const parsed = parseRequest(contract, body, 'json');
  if (!parsed.ok) return { ok: false, input, field: parsed.field, reason: parsed.message };
  const envelope = envelopeSchema.safeParse(body);
  const extra = envelope.success ? envelope.data : {};
  return {
    ok: true,
    input,
    features: parsed.features,
    ...(parsed.customerId !== undefined ? { customerId: parsed.customerId } : {}),
    ...(extra.request_id !== undefined ? { requestId: extra.request_id } : {}),
    ...(extra.sent_at !== undefined ? { sentAt: extra.sent_at } : {}),
  };
}

/** The record written to `results` for one input (ARCHITECTURE's prediction with the contract's field names, plus where it came from). */
export function resultOf(record: ValidRecord, chance: number, runId: string, shardId: string, predictedAt: Date, response: DatasetContract['response']) {
  return {
    [response.chance_field]: chance,
    [response.run_id_field]: runId,
    ...(record.customerId !== undefined ? { customer_id: record.customerId } : {}),
    ...(record.requestId !== undefined ? { request_id: record.requestId } : {}),
    ...(record.sentAt !== undefined ? { sent_at: record.sentAt } : {}),
    sequence_number: record.input.sequenceNumber,
    shard_id: shardId,
    predicted_at: predictedAt.toISOString(),
  };
}

/** The record written to the DLQ: why it was refused and the original bytes. */
export function dlqEntryOf(record: InvalidRecord, shardId: string, stream: string) {
  let text: string | undefined;
  try {
    text = decoder.decode(record.input.data);
  } catch {
    text = undefined;
  }
  return {
    reason: record.reason,
    field: record.field,
    stream,
    shard_id: shardId,
    sequence_number: record.input.sequenceNumber,
    partition_key: record.input.partitionKey,
    ...(text !== undefined ? { data: text } : { data_base64: Buffer.from(record.input.data).toString('base64') }),
    failed_at: new Date().toISOString(),
  };
}
