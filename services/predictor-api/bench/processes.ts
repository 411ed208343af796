// What the serving benches share: their model and env file, the services' bundles, child processes
// started from a node command line and found by the port in their JSON log, stopped with SIGTERM,
// and their CPU read from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { registerTestModel, trainTestModel, writeEnvFile } from '@churn/serving/testing';
import { loggedPort, serviceCommand } from '../../../scripts/demo/processes.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const TRACKING_URI = 'http://127.0.0.1:5051';

/** Starts a node command line (in the repository root) and waits for the JSON log line carrying its port. */
export async function startChild(command: string[], childEnv: Record<string, string>, portMessage: string): Promise<{ child: ChildProcess; port: number }> {
  const entry = command.find((word) => /\.[jt]s$/.test(word)) ?? command.join(' ');
  const child = spawn(process.execPath, command, { cwd: ROOT, env: { ...process.env, ...childEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  return { child, port: await loggedPort(child, portMessage, entry) };
}

/** SIGTERM, resolved once the child has exited (at once if it already has, by itself or a signal). */
export const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    child.once('exit', () => resolveStop());
    child.kill('SIGTERM');
  });

// CPU time in clock ticks (USER_HZ, 100 on Linux): the whole machine's busy time and one process's.
export const TICKS_PER_S = 100;
export const machineBusyTicks = () => {
  const [, user, nice, system, , , irq, softirq, steal] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce((sum: number, v) => sum + (v ?? 0), 0);
};
/** A process's user + system ticks; 0 once it has gone. */
export const processTicks = (pid: number) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};

/** Builds the services' bundles (scripts/build-services.mjs; only what changed is rebuilt). */
export function buildServices(...services: string[]): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-services.mjs'), ...services], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A predictor-api from `root`'s bundle on `envFile`, returned once its /health answers 200 (its model loaded). */
export async function startPredictorApi(envFile: string, root = ROOT, env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const started = await startChild(serviceCommand(root, 'predictor-api'), { ENV_FILE: envFile, ...env }, 'predictor-api listening');
  for (let i = 0; i < 600 && (await fetch(`http://127.0.0.1:${started.port}/health`)).status !== 200; i += 1) await new Promise((r) => setTimeout(r, 100));
  return started;
}

/**
 * The serving benches' model (depth 6, eta 0.1, 150 rounds) registered as `name` in the native
 * registry, and an env file over .env.local serving it with its prediction log in Mongo `database`.
 */
export async function benchModel(name: string, database: string, overrides: Record<string, string> = {}): Promise<{ modelDir: string; runId: string; envFile: string }> {
  const modelDir = await trainTestModel({ max_depth: 6, eta: 0.1 }, 150);
  const runId = await registerTestModel(TRACKING_URI, modelDir, name);
  const envFile = await writeEnvFile(
    {
      RUN_ID: runId,
      MODEL_URI: '',
      MODEL_CACHE_DIR: join(ROOT, '.stack/model-cache'),
      MONGODB_URI: `mongodb://127.0.0.1:27017/${database}?directConnection=true`,
      ...overrides,
    },
    join(ROOT, '.env.local'),
  );
  return { modelDir, runId, envFile };
}
