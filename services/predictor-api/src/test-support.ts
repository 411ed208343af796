import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { defaultContract, type DatasetContract, type FeatureRow } from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { createServingMetrics, ModelHolder, type PredictionLogEntry, type ServableModel } from '@churn/serving';
import type { OutcomeStore } from '@churn/drift/outcomes';
import { Registry } from 'prom-client';
import { createPredictor, type PredictorDeps } from './app.js';

/** A stand-in model for unit tests: the chance is a fixed function of two BankChurners features (of another contract: 0.5). */
export class FormulaModel implements ServableModel {
  disposed = false;
  constructor(readonly contract: DatasetContract = defaultContract()) {}
  predict(rows: FeatureRow[]): Float64Array {
    return Float64Array.from(rows, (r) =>
      typeof r['credit_limit'] === 'number' ? Math.min(1, r['credit_limit'] / 100_000 + (r['card_category'] === 'gold' ? 0.5 : 0)) : 0.5,
    );
  }
  dispose(): void {
    this.disposed = true;
  }
}

export const customer = {
  customer_age: 45,
  gender: 'M',
  dependent_count: 2,
  education_level: 'graduate',
  marital_status: 'married',
  income_category: 2,
  card_category: 'blue',
  months_on_book: 36,
  total_relationship_count: 4,
  credit_limit: 5000,
  total_revolving_bal: 1000,
};

/** An app on a free loopback port with a formula model (unless `loaded` is false). */
export async function startTestApp(
  options: { loaded?: boolean; bodyLimit?: string; batchChunkRows?: number; maxBatchRows?: number; log?: PredictorDeps['log']; models?: Record<string, ServableModel>; apiKey?: string; outcomes?: OutcomeStore } = {},
) {
  const registry = new Registry();
  const logged: PredictionLogEntry[] = [];
  const metrics = createServingMetrics(registry, { defaultMetrics: false });
  const holder = new ModelHolder(async (runId) => options.models?.[runId] ?? new FormulaModel());
  holder.onSwap(({ runId }) => metrics.setModel(runId));
  if (options.loaded !== false) await holder.load('run-test');
  const deps: PredictorDeps = {
    holder,
    log: options.log ?? { log: (entry) => logged.push(entry) },
    metrics,
    registry,
    logger: createLogger('predictor-api-test', { level: 'silent' }),
    contract: defaultContract(),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.batchChunkRows ? { batchChunkRows: options.batchChunkRows } : {}),
    ...(options.maxBatchRows ? { maxBatchRows: options.maxBatchRows } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.outcomes ? { outcomes: options.outcomes } : {}),
  };
  const server: Server = createServer(createPredictor(deps)).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    holder,
    logged,
    registry,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
