import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, WORKFLOWS_PATH } from '../workflows-path.js';
import { writeHistory } from './history-json.js';
import { stubActivities } from './stub-activities.js';
import { MISSING_TEST_SERVER, quietRuntime, timeSkippingServerPath, uniqueTaskQueue } from './test-env.js';

// Records one history per workflow (stubbed activities) for the replay test. Run it after a change
// that is meant to alter workflow code paths, and commit the JSON:  npx tsx workflows/src/testing/record-histories.ts

const serverPath = timeSkippingServerPath();
if (!serverPath) throw new Error(MISSING_TEST_SERVER);
quietRuntime();
const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: serverPath } } });
try {
  const stub = stubActivities({ failingTrials: [2], drift: { runId: 'served-run', rows: 800, driftedShare: 0.6, datasetDrift: true, driftedFeatures: ['credit_limit'] } });
  const taskQueue = uniqueTaskQueue('record');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: stub.activities });
  await worker.runUntil(async () => {
    const runs = [
      { file: 'tuning.json', type: 'tuningWorkflow', args: [{ trials: 5, batchSize: 2, parallelism: 2 }] },
      { file: 'drift-report.json', type: 'driftReportWorkflow', args: [{ retrainShare: 0.5, cooldownMs: 86_400_000, tuning: { trials: 2 } }] },
    ];
    for (const { file, type, args } of runs) {
      const workflowId = `record-${type}`;
      await env.client.workflow.execute(type, { taskQueue, workflowId, args });
      writeHistory(`${HISTORIES_DIR}/${file}`, await env.client.workflow.getHandle(workflowId).fetchHistory());
      console.log(`recorded ${HISTORIES_DIR}/${file}`);
    }
  });
} finally {
  await env.teardown();
}
