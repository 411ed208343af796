import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

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

/**
 * Starts a real `mlflow server` (for tests and benchmarks that compare against MLflow) with the
 * artifact proxy on, and waits for /health. stop() ends it and its workers.
 */
export async function startMlflowServer(options: MlflowServerOptions): Promise<RunningMlflowServer> {
  const port = options.port ?? (await freePort());
  const args = ['-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', String(port)];
  args.push('--backend-store-uri', options.backendStoreUri, '--artifacts-destination', options.artifactsDestination);
  args.push('--workers', String(options.workers ?? 1), ...(options.extraArgs ?? []));
  // detached: the server forks workers; killing the process group ends them all.
  const child = spawn(options.python, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return { url, process: child, stop };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await stop();
  throw new Error(`mlflow server did not answer /health within the timeout: ${stderr}`);
}
