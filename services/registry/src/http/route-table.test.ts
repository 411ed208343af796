import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger } from '@churn/logger';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { createRegistryApp } from '../server.js';
import type { Stores } from '../store/stores.js';
import type { Page, Run, SearchRequest } from '../store/types.js';

// The HTTP layer alone, with fake stores: how GET query strings and JSON bodies become handler input.
const searches: { experimentIds: string[]; request: SearchRequest }[] = [];
const batches: { runId: string; batch: unknown }[] = [];
const stores = {
  runs: {
    search: async (experimentIds: string[], request: SearchRequest): Promise<Page<Run>> => {
      searches.push({ experimentIds, request });
      return { items: [], nextPageToken: 'next' };
    },
    logBatch: async (runId: string, batch: unknown) => {
      batches.push({ runId, batch });
    },
  },
} as unknown as Stores;
const artifacts = { list: async () => [] } as unknown as ArtifactStore;

let server: Server;
let base: string;
beforeAll(async () => {
  const app = createRegistryApp({ stores, artifacts, log: createLogger('test', { level: 'silent' }) });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('route table input', () => {
  it('when a GET search repeats experiment_ids and passes numbers as strings, then the handler gets a list and numbers', async () => {
    const response = await fetch(`${base}/ajax-api/2.0/mlflow/runs/search?experiment_ids=1&experiment_ids=2&max_results=5&order_by=metrics.auc%20DESC&run_view_type=ALL`);
    expect(await response.json()).toEqual({ runs: [], next_page_token: 'next' });
    expect(searches.at(-1)).toEqual({
      experimentIds: ['1', '2'],
      request: { filter: undefined, orderBy: ['metrics.auc DESC'], maxResults: 5, pageToken: undefined, viewType: 'ALL' },
    });
  });

  it('when a single experiment id is given, then it still arrives as a list, and max_results defaults to 1000', async () => {
    await fetch(`${base}/api/2.0/mlflow/runs/search?experiment_ids=7`);
    expect(searches.at(-1)).toMatchObject({ experimentIds: ['7'], request: { maxResults: 1000 } });
  });

  it('when a batch names the run by run_uuid and sends int64s as strings and NaN as a string, then they are normalised', async () => {
    const response = await fetch(`${base}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      body: JSON.stringify({ run_uuid: 'r1', metrics: [{ key: 'm', value: 'NaN', timestamp: '17', step: '3' }, { key: 'n', value: 1.5 }] }),
    });
    expect(response.status).toBe(200);
    const last = batches.at(-1) as { runId: string; batch: { metrics: { value: number; timestamp: number; step: number }[] } };
    expect(last.runId).toBe('r1');
    expect(last.batch.metrics[0]).toMatchObject({ key: 'm', timestamp: 17, step: 3 });
    expect(Number.isNaN(last.batch.metrics[0]?.value)).toBe(true);
    expect(last.batch.metrics[1]).toMatchObject({ key: 'n', value: 1.5, step: 0, timestamp: expect.any(Number) });
  });

  it('when neither run_id nor run_uuid is sent, then the error names run_id', async () => {
    const response = await fetch(`${base}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'run_id'") });
  });

  it('when a store throws something unexpected, then the answer is a 500 in MLflow shape without internals', async () => {
    const original = stores.runs.search;
    stores.runs.search = async () => {
      throw new Error('connection string postgres://secret');
    };
    try {
      const response = await fetch(`${base}/api/2.0/mlflow/runs/search`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error_code: 'INTERNAL_ERROR', message: 'Internal error' });
    } finally {
      stores.runs.search = original;
    }
  });
});
