import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetContract } from '@churn/churn-data';
import { demoFor } from './dataset-demo.js';
import { ChurnFlow } from './flow.js';

// `make demo`: the whole suite on this machine, as a new user meets it. Every step says what it
// does; Ctrl-C stops everything this demo started (the stack too, when the demo brought it up).
const root = join(import.meta.dirname, '../..');
const envFile = join(root, '.env.local');
const trials = Number(process.env['DEMO_TRIALS'] || 50);
// `make demo DATASET=telco` (or a contract path) runs the same flow on another dataset; .env.local's by default.
const dataset = process.env['DATASET'] || undefined;
const startedFile = join(mkdtempSync(join(tmpdir(), 'demo-')), 'started');
const flow = new ChurnFlow(root, envFile);

const say = (step: string) => process.stdout.write(`\n\x1b[1m▶ ${step}\x1b[0m\n`);
const run = (command: string, args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
};

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('Stopping what the demo started');
    await flow.stop();
    const started = readFileSync(startedFile, 'utf8').trim().split('\n').filter(Boolean);
    if (started.length > 0) run(join(root, 'scripts/stack/down.sh'), started);
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function main(): Promise<void> {
  say('1/7 Native stack: PostgreSQL, FerretDB, S3, Kinesis, Temporal, Prometheus, nginx, registry');
  run(join(root, 'scripts/stack/up.sh'), [], { STACK_STARTED_FILE: startedFile });

  say('2/7 Temporal worker (task queue churn, metrics on :9699) and the schedules');
  await flow.startWorker();
  run(process.execPath, ['--import', 'tsx', 'workflows/src/cli.ts', 'apply-schedules'], { ENV_FILE: envFile });

  const contract = DatasetContract.resolve(dataset ?? flow.env['DATASET'] ?? 'bankchurners');
  const { drift, example } = demoFor(contract);
  say(`3/7 Tuning ${trials} XGBoost models through Temporal on the newest S3 snapshot of ${contract.name}`);
  const runId = await flow.tune(trials, true, dataset);
  process.stdout.write(`best run: ${runId}\n`);

  say('4/7 Promoting it: RUN_ID in .env.local (what `make promote RUN_ID=... env=local` does)');
  run(join(root, 'scripts/ops/promote.sh'), [runId, 'local']);

  say('5/7 Predictors (HTTP :9696, Kinesis :9697) and the simulators; drifted traffic starts in 60 s');
  const simulating: Record<string, string> = dataset ? { DATASET: dataset } : {};
  await flow.startServing({ ...simulating, SIMULATOR_TARGETS: 'http,stream', SIMULATOR_RATE_PER_SEC: '5' });
  flow.startSimulator('simulator-drift', {
    ...simulating,
    SIMULATOR_PORT: '0',
    SIMULATOR_TARGETS: 'http,stream',
    SIMULATOR_RATE_PER_SEC: '10',
    SIMULATOR_DRIFT: drift,
    SIMULATOR_DRIFT_AFTER: '60s',
  });

  say('6/7 Waiting 90 s for traffic, then building a drift report (the 3-hourly schedule runs the same)');
  await new Promise((r) => setTimeout(r, 90_000));
  const { report } = await flow.driftReport(15 * 60_000);
  process.stdout.write(`report: ${report.rows} predictions, drifted: ${report.driftedFeatures.join(', ') || 'none'}\n`);

  say('7/7 Everything is up');
  const rows: [string, string][] = [
    ['Registry UI (pick a run, copy its RUN_ID)', 'http://127.0.0.1:5051/'],
    ['Temporal UI (workflows, schedules)', 'http://127.0.0.1:8233/'],
    ['Predictor form', 'http://127.0.0.1:9696/'],
    ['Predictor API docs', 'http://127.0.0.1:9696/docs'],
    ['Prometheus', 'http://127.0.0.1:9090/'],
    ['Drift reports (nginx)', 'http://127.0.0.1:8888/'],
  ];
  for (const [what, url] of rows) process.stdout.write(`  ${what.padEnd(44)} ${url}\n`);
  process.stdout.write(`\nTry one prediction:\n  curl -s -X POST http://127.0.0.1:9696/predict -H 'content-type: application/json' -d '${JSON.stringify(example)}'\n`);
  process.stdout.write('\nPromote another run: make promote RUN_ID=<id> env=local  (served within seconds)\nCtrl-C stops everything.\n');
  await new Promise(() => undefined);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  await stop(1);
});
