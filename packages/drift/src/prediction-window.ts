import { predictionRequestSchema, toFeatures, type ChurnFeatures } from '@churn/churn-data';
import type { Db } from 'mongodb';
import { z } from 'zod';

export const PREDICTIONS_COLLECTION = 'predictions';

export type PredictionWindowRow = ChurnFeatures & { churn_chance: number; created_at: Date };

export interface WindowQuery {
  from: Date;
  to: Date;
  /** Only predictions of this model run. */
  runId?: string;
  /** Most recent documents read at most (default 20,000). */
  limit?: number;
}

const querySchema = z.object({
  from: z.date(),
  to: z.date(),
  runId: z.string().min(1).optional(),
  limit: z.number().int().positive().max(1_000_000).optional(),
});

const documentSchema = z.object({
  features: predictionRequestSchema,
  churn_chance: z.number().min(0).max(1),
  created_at: z.date(),
});

export interface PredictionWindow {
  rows: PredictionWindowRow[];
  /** Documents that did not match the prediction-log shape and were left out. */
  skipped: number;
}

/**
 * Reads the logged predictions of [from, to), newest first up to `limit`. Only a filtered, sorted,
 * limited, projected find: FerretDB (the native stack) supports that much and no aggregation we need.
 */
export async function readPredictionWindow(db: Db, query: WindowQuery): Promise<PredictionWindow> {
  const q = querySchema.parse(query);
  const filter: Record<string, unknown> = { created_at: { $gte: q.from, $lt: q.to } };
  if (q.runId) filter.model_run_id = q.runId;
  const documents = await db
    .collection(PREDICTIONS_COLLECTION)
    .find(filter, { projection: { _id: 0, features: 1, churn_chance: 1, created_at: 1 } })
    .sort({ created_at: -1 })
    .limit(q.limit ?? 20_000)
    .toArray();
  const rows: PredictionWindowRow[] = [];
  let skipped = 0;
  for (const document of documents) {
    const parsed = documentSchema.safeParse(document);
    if (!parsed.success) {
      skipped++;
      continue;
    }
    rows.push({ ...toFeatures(parsed.data.features), churn_chance: parsed.data.churn_chance, created_at: parsed.data.created_at });
  }
  return { rows, skipped };
}

/** The window's features with their churn_chance (the agreed shape); see readPredictionWindow for counts. */
export async function fetchPredictionWindow(db: Db, query: WindowQuery): Promise<PredictionWindowRow[]> {
  return (await readPredictionWindow(db, query)).rows;
}
