import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

export interface MlflowServerOptions {
  /** The python of a venv with mlflow installed (scripts/py-venv.sh mlflow3 prints it). */
  python: string;
  backendStoreUri: string;
  artifactsDestination: string;
  port?: number;
  workers?: number;
  /** More arguments for `mlflow server`, e.g. ['--uvicorn-opts', '--timeout-worker-healthcheck 60']. */
  extraArgs?: string[];
  /** How long to wait for /health (MLflow takes 5-30 s to start on a busy machine). */
  startTimeoutMs?: number;
}

export interface RunningMlflowServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, for processes that cannot be told to listen on port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface MlflowModelServerOptions {
  /** The python of a venv with mlflow installed (scripts/py-venv.sh mlflow3 prints it). */
  python: string;
  /** An MLflow model directory (MLmodel at its root). */
  modelDir: string;
  port?: number;
  startTimeoutMs?: number;
}

/**
 * Runs one of MLflow's Python servers detached (it forks workers; stopping ends its whole process
 * group) and waits until `readyPath` answers 2xx; a server that exits or times out is reported with
 * the end of its stderr.
 */
async function startPythonServer(
  what: string,
  python: string,
  args: string[],
  ready: { port: number; path: string; timeoutMs?: number },
  spawnOptions: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunningMlflowServer> {
  const env = { ...process.env, ...spawnOptions.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' };
  const child = spawn(python, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env, cwd: spawnOptions.cwd });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${ready.port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (ready.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}${ready.path}`).then((r) => r.ok, () => false);
    if (ok) return { url, process: child, stop };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await stop();
  throw new Error(`${what} did not answer ${ready.path} within the timeout: ${stderr}`);
}

/**
 * Starts a real `mlflow server` (for tests and benchmarks that compare against MLflow) with the
 * artifact proxy on, and waits for /health. stop() ends it and its workers.
 */
export async function startMlflowServer(options: MlflowServerOptions): Promise<RunningMlflowServer> {
  const port = options.port ?? (await freePort());
  const args = ['-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', String(port)];
  args.push('--backend-store-uri', options.backendStoreUri, '--artifacts-destination', options.artifactsDestination);
  args.push('--workers', String(options.workers ?? 1), ...(options.extraArgs ?? []));
  return startPythonServer('mlflow server', options.python, args, { port, path: '/health', timeoutMs: options.startTimeoutMs });
}

/**
 * Starts `mlflow models serve` on a model directory as a user does (`--env-manager local`, the
 * venv's own packages), and waits for /ping. Its bin folder goes first on PATH, since MLflow execs
 * uvicorn by name; it runs in the model's parent folder, where MLflow makes its ./mlruns.
 */
export async function startMlflowModelServer(options: MlflowModelServerOptions): Promise<RunningMlflowServer> {
  const port = options.port ?? (await freePort());
  const args = ['-m', 'mlflow', 'models', 'serve', '-m', options.modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port)];
  const env = { PATH: `${dirname(options.python)}:${process.env.PATH ?? ''}` };
  return startPythonServer('mlflow models serve', options.python, args, { port, path: '/ping', timeoutMs: options.startTimeoutMs }, { env, cwd: dirname(options.modelDir) });
}
