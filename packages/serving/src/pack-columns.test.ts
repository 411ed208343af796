import { PACKED_SUBTYPES, unpackColumns } from '@churn/drift/packed-columns';
import { Binary, BSON, ObjectId } from 'mongodb';
import { packColumns } from './pack-columns.js';

// What the log stores goes through BSON and comes back as the driver reads it, as in Mongo.
const stored = (document: object) => BSON.deserialize(BSON.serialize(packColumns(document)));

describe('packColumns / unpackColumns', () => {
  const at = new Date('2026-12-05T00:00:00Z');
  const chunk = {
    _id: new ObjectId(),
    model_run_id: 'run',
    source: 'http',
    rows: 4,
    features: {
      age: [41, -0, null, 1e-310],
      limit: [1.5, Number.MAX_VALUE, -Infinity, 3],
      card: ['blue', null, 'gold "quoted", \\ and\nlines', 'ünïcode ☃'],
      empty: [null, null, null, null],
      mixed: [1, 'one', null, 2],
    },
    churn_chance: [0.1, 0.2, 0.30000000000000004, 1],
    predicted_class: [2, 0, 1, -1],
    class_probabilities: [
      [0.1, 0.2, 0.7],
      [0.5, 0.25, 0.25],
      [0, 1, 0],
      [1 / 3, 1 / 3, 1 / 3],
    ],
    latency_ms: 1.25,
    created_at: at,
    customer_id: ['c1', null, 7, 'c4'],
    request_id: 'r',
  };

  it('when a chunk is stored packed, then every column reads back exactly, ids and all', () => {
    expect(unpackColumns(stored(chunk))).toEqual(chunk);
  });

  it('when a chunk is packed, then each column is one Binary of the narrowest exact form, and ids stay a queryable array', () => {
    const packed = stored(chunk);
    const features = packed['features'] as Record<string, Binary>;
    const form = (column: unknown) => [(column as Binary).sub_type, (column as Binary).length()];
    // Float64 where an integer form would not be exact (-0, fractions, infinities).
    expect(form(features['age'])).toEqual([PACKED_SUBTYPES.FLOAT64, 4 * 8]);
    expect(form(features['limit'])).toEqual([PACKED_SUBTYPES.FLOAT64, 4 * 8]);
    expect(form(packed['churn_chance'])).toEqual([PACKED_SUBTYPES.FLOAT64, 4 * 8]);
    expect(form(packed['class_probabilities'])).toEqual([PACKED_SUBTYPES.FLOAT64, 4 * 3 * 8]);
    expect(form(features['empty'])).toEqual([PACKED_SUBTYPES.INTEGERS, 1 + 4]);
    expect(form(packed['predicted_class'])).toEqual([PACKED_SUBTYPES.INTEGERS, 1 + 4]);
    expect(features['card']?.sub_type).toBe(PACKED_SUBTYPES.LEVELS);
    expect(features['mixed']).toEqual([1, 'one', null, 2]);
    expect(packed['customer_id']).toEqual(['c1', null, 7, 'c4']);
    expect(packed['request_id']).toBe('r');
  });

  it.each([
    [[127, -127, null], 1],
    [[-128, 0], 2],
    [[32767, -32767], 2],
    [[32768, 1], 4],
    [[-2147483647, 2147483647, null], 4],
  ])('when integers span %j, then they are stored %i bytes each and read back', (values, width) => {
    const column = { rows: values.length, features: { n: values }, churn_chance: values.map(() => 0.5), created_at: at };
    const packed = (stored(column)['features'] as Record<string, Binary>)['n'] as Binary;
    expect([packed.sub_type, packed.length()]).toEqual([PACKED_SUBTYPES.INTEGERS, 1 + values.length * width]);
    expect(unpackColumns(stored(column))).toEqual(column);
  });

  it('when integers exceed 4 bytes, then they are Float64 and read back', () => {
    const column = { rows: 2, features: { n: [2147483648, -2147483648] }, churn_chance: [0.5, 0.5], created_at: at };
    expect(((stored(column)['features'] as Record<string, Binary>)['n'] as Binary).sub_type).toBe(PACKED_SUBTYPES.FLOAT64);
    expect(unpackColumns(stored(column))).toEqual(column);
  });

  it('when a string column has more than 255 levels, then it is one JSON string and reads back', () => {
    const values = Array.from({ length: 300 }, (_, i) => (i === 7 ? null : `level ${i} "☃"`));
    const column = { rows: 300, features: { s: values }, churn_chance: values.map(() => 0.5), created_at: at };
    expect(typeof (stored(column)['features'] as Record<string, unknown>)['s']).toBe('string');
    expect(unpackColumns(stored(column))).toEqual(column);
  });

  it('when a number column holds a NaN of its own, then it stays an array (null is what a packed NaN means)', () => {
    const withNaN = { ...chunk, features: { x: [1, Number.NaN, null, 2] } };
    expect((stored(withNaN)['features'] as Record<string, unknown>)['x']).toEqual([1, Number.NaN, null, 2]);
    expect(unpackColumns(stored(withNaN))).toEqual(withNaN);
  });

  it('when rows have class lists of different lengths, or none, then those read back too', () => {
    const ragged = { ...chunk, class_probabilities: [[0.5, 0.5], [], [1], [0.2, 0.8]] };
    expect(stored(ragged)['class_probabilities']).toEqual(ragged.class_probabilities);
    expect(unpackColumns(stored(ragged))).toEqual(ragged);
    const none = { ...chunk, class_probabilities: [[], [], [], []] };
    expect(unpackColumns(stored(none))).toEqual(none);
  });

  it('when the rows are single predictions with their own times, request ids and latencies, then latencies pack and the rest stays queryable arrays', () => {
    const singles = { ...chunk, created_at: [at, at, new Date(0), at], request_id: ['r1', null, 'r3', 'r4'], latency_ms: [0.5, 1, null, 2], sequence_number: ['1', '2', null, '4'] };
    const packed = stored(singles);
    expect(packed['latency_ms']).toBeInstanceOf(Binary);
    expect(packed['request_id']).toEqual(singles.request_id);
    expect(packed['created_at']).toEqual(singles.created_at);
    expect(unpackColumns(packed)).toEqual(singles);
  });

  it('when a chunk has no customer ids or classes, then none appear', () => {
    const { customer_id: _ids, predicted_class: _c, class_probabilities: _p, ...bare } = chunk;
    expect(unpackColumns(stored(bare))).toEqual(bare);
  });

  it('when a document is one prediction or an array-columnar chunk logged before packing, then it reads as it was', () => {
    const one = { model_run_id: 'run', features: { age: 41, card: 'blue' }, churn_chance: 0.2, created_at: at, customer_id: 'c1', request_id: 'r' };
    expect(packColumns(one)).toBe(one);
    expect(unpackColumns(BSON.deserialize(BSON.serialize(one)))).toEqual(one);
    const arrays = { rows: 2, features: { age: [41, null], card: ['blue', 'gold'] }, churn_chance: [0.2, 0.3], created_at: at, request_id: 'r' };
    expect(unpackColumns(BSON.deserialize(BSON.serialize(arrays)))).toEqual(arrays);
  });

  it('when a packed column is corrupt, then it is left for the readers to skip', () => {
    const broken = { rows: 1, features: { card: 'not json', levels: new Binary(new Uint8Array([0, 0x7b]), PACKED_SUBTYPES.LEVELS), other: new Binary(new Uint8Array([1]), 0x90) }, churn_chance: [0.5], created_at: at };
    expect(unpackColumns(broken)).toEqual(broken);
  });
});
