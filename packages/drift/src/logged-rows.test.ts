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
});
