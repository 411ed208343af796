import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'dotenv';
import { ProcessGroup, waitForHttp } from './processes.js';

/**
 * The user's flow, step by step, shared by `make demo` and the end-to-end test: a worker, a tuning
 * run through Temporal, promotion of the best run by writing RUN_ID into the env file, both
 * predictors and the simulator, and a drift report.
 */
export class ChurnFlow {
  readonly processes: ProcessGroup;
  readonly env: Record<string, string>;

  constructor(
    readonly root: string,
    readonly envFile: string,
  ) {
    this.processes = new ProcessGroup(root);
    this.env = parse(readFileSync(envFile));
  }

  private get childEnv(): Record<string, string> {
    return { ENV_FILE: this.envFile };
  }

  url(variable: string, fallbackPort: number): string {
    return `http://127.0.0.1:${this.env[variable] || fallbackPort}`;
  }

  async startWorker(): Promise<void> {
    this.processes.start('worker', 'workflows/src/worker.ts', this.childEnv);
    await waitForHttp(`${this.url('WORKER_METRICS_PORT', 9699)}/metrics`, 120_000);
  }

  /** Runs tuning through the workflows CLI (progress on stderr) on a dataset (DATASET by default) and returns the best RUN_ID. */
  tune(trials: number, showProgress: boolean, dataset?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const args = ['train-now', '--trials', String(trials), ...(dataset ? ['--dataset', dataset] : [])];
      const cli = spawn(process.execPath, ['--import', 'tsx', join(this.root, 'workflows/src/cli.ts'), ...args], {
        cwd: this.root,
        env: { ...process.env, ...this.childEnv },
        stdio: ['ignore', 'pipe', showProgress ? 'inherit' : 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      cli.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      cli.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      cli.once('exit', (code) => {
        const runId = stdout.trim().split('\n').pop() ?? '';
        if (code === 0 && /^[0-9a-f]{32}$/.test(runId)) resolve(runId);
        else reject(new Error(`tuning failed (exit ${code}): ${stderr.slice(-2_000)}`));
      });
    });
  }

  /** What `make promote` does: rewrite RUN_ID in the env file in place; the predictors watch it. */
  promote(runId: string): void {
    const text = readFileSync(this.envFile, 'utf8');
    const updated = /^RUN_ID=.*$/m.test(text) ? text.replace(/^RUN_ID=.*$/m, `RUN_ID=${runId}`) : `${text}\nRUN_ID=${runId}\n`;
    writeFileSync(this.envFile, updated);
    this.env['RUN_ID'] = runId;
  }

  /** Serving runs what users run: each service's bundle (rebuilt only if a source changed). */
  async startServing(simulator: Record<string, string>): Promise<void> {
    execFileSync(process.execPath, [join(this.root, 'scripts/build-services.mjs'), 'predictor-api', 'predictor-stream', 'simulator'], { cwd: this.root, stdio: ['ignore', 'ignore', 'inherit'] });
    this.processes.start('predictor-api', 'services/predictor-api', this.childEnv);
    this.processes.start('predictor-stream', 'services/predictor-stream', this.childEnv);
    await waitForHttp(`${this.url('PREDICTOR_API_PORT', 9696)}/health`, 120_000);
    await waitForHttp(`${this.url('PREDICTOR_STREAM_PORT', 9697)}/health`, 120_000);
    this.startSimulator('simulator', simulator);
  }

  startSimulator(name: string, settings: Record<string, string>): void {
    this.processes.start(name, 'services/simulator', { ...this.childEnv, ...settings });
  }

  /** Runs the drift-report workflow now (what the 3-hourly schedule runs) and returns its result. */
  async driftReport(windowMs: number): Promise<{ report: { runId?: string; rows: number; driftedFeatures: string[]; reportPath?: string; skipped?: string } }> {
    const connection = await Connection.connect({ address: this.env['TEMPORAL_ADDRESS'] || '127.0.0.1:7233' });
    try {
      const client = new Client({ connection, namespace: this.env['TEMPORAL_NAMESPACE'] || 'default' });
      return await client.workflow.execute('driftReportWorkflow', {
        taskQueue: this.env['TEMPORAL_TASK_QUEUE'] || 'churn',
        workflowId: `drift-report-now-${Date.now()}`,
        // A report on demand does not start a retrain; the schedule's reports do.
        args: [{ windowMs, cooldownMs: 0 }],
      });
    } finally {
      await connection.close();
    }
  }

  stop(): Promise<void> {
    return this.processes.stopAll();
  }
}
