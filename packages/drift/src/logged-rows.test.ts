import { loggedRows } from './logged-rows.js';

describe('loggedRows', () => {
  const at = new Date('2026-12-05T00:00:00Z');

  it('when a document is one prediction, then it is the only row', () => {
    const doc = { features: { a: 1 }, churn_chance: 0.2, created_at: at, request_id: 'r' };
    expect([...loggedRows(doc)]).toEqual([doc]);
  });

  it('when a document is a columnar batch chunk, then each row comes out with its features, chance and id, the last first', () => {
    const doc = { model_run_id: 'run', rows: 3, features: { a: [1, 2, null], b: ['x', 'y', 'z'] }, churn_chance: [0.1, 0.2, 0.3], customer_id: ['c1', null, 7], request_id: 'r', created_at: at };
    expect([...loggedRows(doc)]).toEqual([
      { features: { a: null, b: 'z' }, churn_chance: 0.3, created_at: at, model_run_id: 'run', request_id: 'r', customer_id: 7 },
      { features: { a: 2, b: 'y' }, churn_chance: 0.2, created_at: at, model_run_id: 'run', request_id: 'r' },
      { features: { a: 1, b: 'x' }, churn_chance: 0.1, created_at: at, model_run_id: 'run', request_id: 'r', customer_id: 'c1' },
    ]);
  });

  it('when a chunk of single predictions has per-row times, ids and class answers, then each row comes out with its own, and a range leaves out the rows outside it', () => {
    const times = [0, 1, 2].map((s) => new Date(Date.UTC(2026, 11, 5, 0, 0, s)));
    const doc = {
      model_run_id: 'run',
      source: 'stream',
      rows: 3,
      features: { a: [1, 2, 3] },
      churn_chance: [0.5, 0.6, 0.7],
      predicted_class: [0, 1, null],
      class_probabilities: [[0.5, 0.3, 0.2], [0.2, 0.6, 0.2], null],
      request_id: ['r0', null, 'r2'],
      customer_id: [null, 'c1', 2],
      sequence_number: ['s0', 's1', 's2'],
      latency_ms: [0.1, 0.2, 0.3],
      created_at: times,
    };
    expect([...loggedRows(doc)]).toEqual([
      { features: { a: 3 }, churn_chance: 0.7, created_at: times[2], model_run_id: 'run', source: 'stream', request_id: 'r2', customer_id: 2, latency_ms: 0.3, sequence_number: 's2' },
      { features: { a: 2 }, churn_chance: 0.6, created_at: times[1], model_run_id: 'run', source: 'stream', customer_id: 'c1', latency_ms: 0.2, sequence_number: 's1', predicted_class: 1, class_probabilities: [0.2, 0.6, 0.2] },
      { features: { a: 1 }, churn_chance: 0.5, created_at: times[0], model_run_id: 'run', source: 'stream', request_id: 'r0', latency_ms: 0.1, sequence_number: 's0', predicted_class: 0, class_probabilities: [0.5, 0.3, 0.2] },
    ]);
    expect([...loggedRows(doc, { from: times[1] as Date, to: times[2] as Date })].map((row) => row['churn_chance'])).toEqual([0.6]);
  });

  it('when a batch chunk has class answers, then every row keeps its class and probabilities', () => {
    const doc = { rows: 2, features: { a: [1, 2] }, churn_chance: [0.6, 0.9], predicted_class: [1, 2], class_probabilities: [[0.4, 0.6, 0], [0, 0.1, 0.9]], request_id: 'r', created_at: at, latency_ms: 3 };
    expect([...loggedRows(doc)].map((row) => [row['predicted_class'], row['class_probabilities'], row['request_id'], row['latency_ms']])).toEqual([
      [2, [0, 0.1, 0.9], 'r', 3],
      [1, [0.4, 0.6, 0], 'r', 3],
    ]);
  });
});
