import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const STATE_FILE = join(ROOT, '.stack/e2e/state.json');

/** What the global setup leaves for the tests: the flow it ran, with everything up. */
export interface E2eState {
  envFile: string;
  runId: string;
  trials: number;
  report: { runId?: string; rows: number; driftedFeatures: string[]; reportPath?: string };
  startedAt: string;
}

export const readState = (): E2eState => JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
