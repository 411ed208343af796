import { readdirSync } from 'node:fs';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { readHistory } from './testing/history-json.js';
import { quietRuntime } from './testing/test-env.js';
import { HISTORIES_DIR, WORKFLOWS_PATH } from './workflows-path.js';

// Recorded histories (src/histories, made by testing/record-histories.ts) must replay against the
// current workflow code: a change that breaks determinism fails here instead of in production.

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('when the histories are listed, then both workflows have one', () => {
    expect(files.sort()).toEqual(['drift-report.json', 'tuning.json']);
  });

  it('when every recorded history is replayed against the current code, then none fails', async () => {
    quietRuntime();
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
    const histories = files.map((file) => ({ workflowId: file, history: readHistory(`${HISTORIES_DIR}/${file}`) }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(2);
  }, 120_000);
});
