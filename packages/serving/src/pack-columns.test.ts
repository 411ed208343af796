import { PACKED_FLOAT64_SUBTYPE, unpackColumns } from '@churn/drift/packed-columns';
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

  it('when a chunk is packed, then number columns are one Float64 Binary, strings one string, ids stay a queryable array', () => {
    const packed = stored(chunk);
    const features = packed['features'] as Record<string, unknown>;
    for (const column of [features['age'], features['limit'], features['empty'], packed['churn_chance'], packed['predicted_class']]) {
      expect(column).toBeInstanceOf(Binary);
      expect((column as Binary).sub_type).toBe(PACKED_FLOAT64_SUBTYPE);
      expect((column as Binary).length()).toBe(4 * 8);
    }
    expect((packed['class_probabilities'] as Binary).length()).toBe(4 * 3 * 8);
    expect(typeof features['card']).toBe('string');
    expect(features['mixed']).toEqual([1, 'one', null, 2]);
    expect(packed['customer_id']).toEqual(['c1', null, 7, 'c4']);
    expect(packed['request_id']).toBe('r');
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

  it('when a packed string column is not JSON, then it is left for the readers to skip', () => {
    const broken = { rows: 1, features: { card: 'not json' }, churn_chance: [0.5], created_at: at };
    expect(unpackColumns(broken)).toEqual(broken);
  });
});
