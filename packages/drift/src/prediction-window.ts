import { parseRequest, type DatasetContract, type FeatureRow } from '@churn/churn-data';
import type { Db } from 'mongodb';
import { z } from 'zod';
import { loggedRows } from './logged-rows.js';

export const PREDICTIONS_COLLECTION = 'predictions';

/** One logged prediction: its features as the contract reads them, and the model's answer. */
export interface PredictionWindowRow {
  features: FeatureRow;
  churn_chance: number;
  created_at: Date;
}

export interface WindowQuery {
  from: Date;
  to: Date;
  /** Only predictions of this model run. */
  runId?: string;
  /** Most recent predictions read at most (default 20,000). */
  limit?: number;
}

const querySchema = z.object({
  from: z.date(),
  to: z.date(),
  runId: z.string().min(1).optional(),
  limit: z.number().int().positive().max(1_000_000).optional(),
});

const documentSchema = z.object({
  features: z.unknown(),
  churn_chance: z.number().min(0).max(1),
  created_at: z.date(),
});

export interface PredictionWindow {
  rows: PredictionWindowRow[];
  /** Documents left out: not the prediction-log shape, or features the contract refuses (e.g. logged by a model of another dataset). */
  skipped: number;
  /** Why the first of them was left out. */
  firstSkipReason?: string;
}

/**
 * Reads the logged predictions of [from, to), newest first up to `limit`, each document's features
 * validated with the contract of the model compared. Only a filtered, sorted, limited, projected
 * find: FerretDB (the native stack) supports that much and no aggregation we need.
 */
export async function readPredictionWindow(db: Db, contract: DatasetContract, query: WindowQuery): Promise<PredictionWindow> {
  const q = querySchema.parse(query);
  const filter: Record<string, unknown> = { created_at: { $gte: q.from, $lt: q.to } };
  if (q.runId) filter.model_run_id = q.runId;
  const limit = q.limit ?? 20_000;
  const documents = db
    .collection(PREDICTIONS_COLLECTION)
    .find(filter, { projection: { _id: 0, features: 1, churn_chance: 1, created_at: 1, rows: 1 } })
    .sort({ created_at: -1 })
    .limit(limit);
  const window: PredictionWindow = { rows: [], skipped: 0 };
  const skip = (reason: string) => {
    window.skipped++;
    window.firstSkipReason ??= reason;
  };
  let read = 0;
  reading: for await (const document of documents) {
    // A chunk document holds many predictions; one spanning the window's edge has rows outside it.
    for (const logged of loggedRows(document, q)) {
      if (read++ === limit) break reading;
      const parsed = documentSchema.safeParse(logged);
      if (!parsed.success) {
        skip(`${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
        continue;
      }
      const features = parseRequest(contract, parsed.data.features, 'json');
      if (!features.ok) {
        skip(`features.${features.message}`);
        continue;
      }
      window.rows.push({ features: features.features, churn_chance: parsed.data.churn_chance, created_at: parsed.data.created_at });
    }
  }
  return window;
}

/** The window's rows alone; see readPredictionWindow for what is skipped. */
export async function fetchPredictionWindow(db: Db, contract: DatasetContract, query: WindowQuery): Promise<PredictionWindowRow[]> {
  return (await readPredictionWindow(db, contract, query)).rows;
}
