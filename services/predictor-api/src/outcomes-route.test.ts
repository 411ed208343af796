import { outcomeKey, type Outcome, type OutcomeStore } from '@churn/drift/outcomes';
import { startTestApp } from './test-support.js';

/** The Mongo store's contract in memory: a batch naming a prediction twice stores the first. */
class MemoryOutcomes implements OutcomeStore {
  readonly stored: Outcome[] = [];
  failing = false;
  async insert(outcomes: readonly Outcome[]) {
    if (this.failing) throw new Error('connection refused');
    const keys = new Set<string>();
    for (const o of outcomes) {
      if (keys.has(outcomeKey(o))) continue;
      keys.add(outcomeKey(o));
      this.stored.push(o);
    }
    return { stored: keys.size, duplicates: outcomes.length - keys.size };
  }

  get(key: string) {
    return this.stored.find((o) => outcomeKey(o) === key);
  }
}

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

const post = (app: TestApp, body: string, type = 'application/json') => fetch(`${app.url}/outcomes`, { method: 'POST', headers: { 'content-type': type }, body });

const counter = async (app: TestApp, name: string) => (await app.registry.getSingleMetric(name)?.get())?.values[0]?.value;

describe('POST /outcomes', () => {
  let app: TestApp;
  let store: MemoryOutcomes;
  beforeEach(async () => {
    store = new MemoryOutcomes();
    app = await startTestApp({ outcomes: store });
  });
  afterEach(() => app.close());

  it('given one valid outcome, when posted, then it is stored and the answer counts it', async () => {
    const response = await post(app, JSON.stringify({ request_id: 'r-logged', churned: true, observed_at: '2026-01-01T00:00:00Z' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, stored: 1, duplicates: 0, invalid: 0 });
    expect(store.get('r:r-logged')).toEqual({ request_id: 'r-logged', churned: 1, observed_at: new Date('2026-01-01T00:00:00Z') });
  });

  it.each([
    ['no reference', { churned: 1 }, 'request_id'],
    ['a label outside the contract', { customer_id: 'c', attrition_flag: 'Gone' }, 'attrition_flag'],
    ['a bad time', { customer_id: 'c', churned: 1, observed_at: 'soon' }, 'observed_at'],
  ])('given one outcome with %s, when posted, then it answers 400 naming the field and stores nothing', async (_case, body, field) => {
    const response = await post(app, JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field });
    expect(store.stored).toHaveLength(0);
    expect(await counter(app, 'churn_outcomes_invalid_total')).toBe(1);
  });

  it('given a batch with bad and duplicated outcomes, when posted as { outcomes }, then the good ones are stored once and the bad ones listed by index', async () => {
    const outcomes = [{ request_id: 'r-1', churned: 1 }, { request_id: 'r-2', churned: 'perhaps' }, { request_id: 'r-1', churned: 0 }, { customer_id: 7, churned: false }, 'nonsense'];
    const response = await post(app, JSON.stringify({ outcomes }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rejected: { index: number; field: string }[] };
    expect(body).toMatchObject({ received: 5, stored: 2, duplicates: 1, invalid: 2 });
    expect(body.rejected.map((r) => [r.index, r.field])).toEqual([
      [1, 'churned'],
      [4, '(body)'],
    ]);
    expect(store.stored.map(outcomeKey)).toEqual(['r:r-1', 'c:7']);
    expect(await counter(app, 'churn_outcomes_received_total')).toBe(5);
    expect(await counter(app, 'churn_outcomes_duplicate_total')).toBe(1);
    expect(await counter(app, 'churn_outcomes_invalid_total')).toBe(2);
    expect(await counter(app, 'churn_outcomes_stored_total')).toBe(2);
  });

  it('given a CSV export with the raw headers and the target words, when uploaded, then each row is an outcome and a bad row is reported by index', async () => {
    const csv = 'CLIENTNUM,Attrition_Flag,observed_at\n708082083,Attrited Customer,2026-02-01\n1,Existing Customer,\n2,Unknown,\n';
    const response = await post(app, csv, 'text/csv');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ received: 3, stored: 2, invalid: 1, rejected: [{ index: 2, field: 'attrition_flag' }] });
    expect(store.get('c:708082083')).toEqual({ customer_id: '708082083', churned: 1, observed_at: new Date('2026-02-01T00:00:00Z') });
    expect(store.get('c:1')?.churned).toBe(0);
  });

  it.each([
    ['an empty array', '[]', 'application/json'],
    ['an empty body', '', 'application/json'],
    ['malformed JSON', '[{"request_id":', 'application/json'],
    ['a malformed CSV', 'request_id,churned\n"r,1\n', 'text/csv'],
  ])('given %s, when posted, then it answers 400 naming the body', async (_case, body, type) => {
    const response = await post(app, body, type);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: '(body)' });
  });

  it('given the store is down, when outcomes are posted, then it answers 503 and the same outcomes are stored on retry', async () => {
    store.failing = true;
    const body = JSON.stringify([{ request_id: 'r-9', churned: 1 }]);
    expect((await post(app, body)).status).toBe(503);
    expect(store.stored).toHaveLength(0);
    store.failing = false;
    expect(await (await post(app, body)).json()).toMatchObject({ stored: 1, duplicates: 0 });
    expect(store.stored.map(outcomeKey)).toEqual(['r:r-9']);
  });
});

describe('POST /outcomes without a store', () => {
  it('given a predictor built without an outcome store, when an outcome is posted, then it answers 503', async () => {
    const app = await startTestApp();
    try {
      expect((await post(app, JSON.stringify({ request_id: 'r', churned: 1 }))).status).toBe(503);
    } finally {
      await app.close();
    }
  });
});
