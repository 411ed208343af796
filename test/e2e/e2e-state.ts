import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MlflowClient, Run } from '@churn/mlflow-client';

export const ROOT = join(import.meta.dirname, '../..');
export const STATE_FILE = join(ROOT, '.stack/e2e/state.json');

/** What the global setup leaves for the tests: the flow it ran, with everything up. */
export interface E2eState {
  envFile: string;
  runId: string;
  /** The second dataset's contract name and the best run tuned on it (registered, not yet served). */
  secondDataset: string;
  secondRunId: string;
  trials: number;
  report: { runId?: string; rows: number; driftedFeatures: string[]; reportPath?: string };
  startedAt: string;
}

export const readState = (): E2eState => JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;

/** Another finished trial of the same tuning run as `runId`: a second model to promote. */
export async function siblingTrial(mlflow: MlflowClient, runId: string): Promise<Run> {
  const run = await mlflow.getRun(runId);
  const parent = run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value;
  const siblings = await mlflow.searchAllRuns({ experimentIds: [run.info.experiment_id], filter: `tags.mlflow.parentRunId = '${parent}'` });
  const sibling = siblings.find((r) => r.info.run_id !== runId && r.info.status === 'FINISHED');
  if (!sibling) throw new Error(`no other finished trial beside ${runId}`);
  return sibling;
}
