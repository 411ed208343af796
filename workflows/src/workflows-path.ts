import { fileURLToPath } from 'node:url';

/** The module the worker bundles: every workflow registered on the task queue. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/** Recorded histories replayed by the determinism test. */
export const HISTORIES_DIR = fileURLToPath(new URL('./histories', import.meta.url));
