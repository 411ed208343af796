import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from './fixtures/activities.js';
import { echoWorkflow } from './fixtures/workflows.js';
import { stackEnv, uniqueName } from './stack-env.js';

describe('Temporal dev server of the native stack', () => {
  it('when a workflow is started through the client, then a worker runs it and its activity', async () => {
    const taskQueue = uniqueName('stack-test');
    const workerConnection = await NativeConnection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
    const connection = await Connection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
    try {
      const worker = await Worker.create({
        connection: workerConnection,
        namespace: stackEnv.TEMPORAL_NAMESPACE,
        taskQueue,
        workflowsPath: join(import.meta.dirname, 'fixtures', 'workflows.ts'),
        activities,
      });
      const client = new Client({ connection, namespace: stackEnv.TEMPORAL_NAMESPACE });
      const result = await worker.runUntil(
        client.workflow.execute(echoWorkflow, { taskQueue, workflowId: uniqueName('echo'), args: ['churn'] }),
      );
      expect(result).toBe('workflow got CHURN');
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  }, 120_000);
});
