import { defaultContract } from '@churn/churn-data';
import { dlqEntryOf, parseRecord, resultOf, type InvalidRecord, type ValidRecord } from './records.js';

const customer = {
  customer_age: 45,
  gender: 'F',
  dependent_count: 2,
  education_level: 3,
  marital_status: 'single',
  income_category: 'less than $40k',
  card_category: 'blue',
  months_on_book: 36,
  total_relationship_count: 4,
  credit_limit: 5000,
  total_revolving_bal: 1000,
};

const contract = defaultContract();
const record = (data: string | Uint8Array) => ({ sequenceNumber: '4955', partitionKey: 'pk', data: typeof data === 'string' ? Buffer.from(data) : data });

describe('parseRecord', () => {
  it('when the record is a valid request with an envelope, then it gives the features and keeps ids and sent_at', () => {
    const parsed = parseRecord(contract, record(JSON.stringify({ ...customer, customer_id: 7, request_id: 'r1', sent_at: 1700000000000 })));
    expect(parsed.ok).toBe(true);
    const valid = parsed as ValidRecord;
    expect(valid.features).toMatchObject({ gender: 'f', income_category: 0 });
    expect(valid).toMatchObject({ customerId: 7, requestId: 'r1', sentAt: 1700000000000 });
  });

  it.each([
    ['not JSON', 'hello', '(record)'],
    ['truncated JSON', '{"customer_age":', '(record)'],
    ['invalid UTF-8', Uint8Array.from([0xff, 0xfe, 0x7b]), '(record)'],
    ['a JSON string', '"x"', '(body)'],
    ['a missing field', JSON.stringify({ ...customer, gender: undefined }), 'gender'],
    ['a wrong type', JSON.stringify({ ...customer, credit_limit: '5000' }), 'credit_limit'],
    ['an out-of-range value', JSON.stringify({ ...customer, customer_age: 300 }), 'customer_age'],
    ['an unknown category', JSON.stringify({ ...customer, marital_status: 'unknown' }), 'marital_status'],
  ])('when the record is %s, then it is invalid naming %s', (_case, data, field) => {
    const parsed = parseRecord(contract, record(data));
    expect(parsed.ok).toBe(false);
    expect((parsed as InvalidRecord).field).toBe(field);
  });
});

describe('result and DLQ records', () => {
  it('when a record is scored, then the result carries the chance, run id, ids and the input sequence number', () => {
    const valid = parseRecord(contract, record(JSON.stringify({ ...customer, customer_id: 'c', request_id: 'r' }))) as ValidRecord;
    expect(resultOf(valid, 0.25, 'run', 'shardId-0', new Date(0), contract.response)).toEqual({
      'churn chance': 0.25,
      model_run_id: 'run',
      customer_id: 'c',
      request_id: 'r',
      sequence_number: '4955',
      shard_id: 'shardId-0',
      predicted_at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('when the contract renames the response fields, then the result uses its names', () => {
    const valid = parseRecord(contract, record(JSON.stringify(customer))) as ValidRecord;
    expect(Object.keys(resultOf(valid, 0.25, 'run', 'shardId-0', new Date(0), { chance_field: 'risk', run_id_field: 'model' })).slice(0, 2)).toEqual(['risk', 'model']);
  });

  it('when a refused record is not text, then the DLQ entry keeps its bytes as base64 with the reason', () => {
    const invalid = parseRecord(contract, record(Uint8Array.from([0xff, 0x00]))) as InvalidRecord;
    const entry = dlqEntryOf(invalid, 'shardId-0', 'predictions');
    expect(entry).toMatchObject({ field: '(record)', sequence_number: '4955', data_base64: '/wA=' });
    expect(entry.reason).toMatch(/not UTF-8 JSON/);
  });
});
