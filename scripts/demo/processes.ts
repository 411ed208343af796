import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * How a service's bundle is run: the node options of its package.json `start` script (the one place
 * they are set; e.g. the predictors' heap limits), then the bundle.
 */
export function serviceCommand(root: string, service: string): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'services', service, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.trim().split(/\s+/);
  const bundle = words.indexOf('dist/main.js');
  if (words[0] !== 'node' || bundle === -1) throw new Error(`services/${service}: start script is not "node [options] dist/main.js": ${start}`);
  return [...words.slice(1, bundle), join(root, 'services', service, 'dist/main.js')];
}

/**
 * The suite's own processes started by the demo and the end-to-end test. Each runs as one Node
 * process (a service's bundle on plain node, a TypeScript entry through `--import tsx`), logs to
 * .stack/logs/<name>.log, and is stopped with SIGTERM so it drains its work, then SIGKILL if it does
 * not exit in time.
 */
export class ProcessGroup {
  private readonly children = new Map<string, ChildProcess>();

  constructor(
    private readonly root: string,
    private readonly logDir = join(root, '.stack/logs'),
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  /** Starts a TypeScript entry (through tsx) or, given `services/<name>`, that service's bundle. */
  start(name: string, entry: string, env: Record<string, string>, args: string[] = []): ChildProcess {
    if (this.children.has(name)) throw new Error(`${name} is already running`);
    const log = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
    // The marker scripts/stack writes too: what one start printed is the text after the last one.
    log.write(`\n=== ${name} start ${new Date().toISOString()}\n`);
    const service = /^services\/([\w-]+)$/.exec(entry)?.[1];
    const command = service ? serviceCommand(this.root, service) : ['--import', 'tsx', join(this.root, entry)];
    const child = spawn(process.execPath, [...command, ...args], {
      cwd: this.root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', () => this.children.delete(name));
    this.children.set(name, child);
    return child;
  }

  running(name: string): boolean {
    return this.children.has(name);
  }

  async stop(name: string, graceMs = 15_000): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops in reverse start order: traffic sources before the services they feed. */
  async stopAll(): Promise<void> {
    for (const name of [...this.children.keys()].reverse()) await this.stop(name);
  }
}

/**
 * The warnings Node printed (deprecations, an unsupported runtime, experimental features) in a
 * process's log since its last start marker: `(node:PID) [DEP0040] DeprecationWarning: ...`.
 */
export function nodeWarningsSinceStart(logFile: string): string[] {
  const text = readFileSync(logFile, 'utf8');
  const lastStart = text.lastIndexOf('\n=== ');
  return text.slice(Math.max(lastStart, 0)).split('\n').filter((line) => /^\(node:\d+\) (\[\w+\] )?\w*Warning: /.test(line));
}

/** Polls `check` until it returns true, failing after the timeout with the last reason it gave. */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<true | string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not checked';
  while (Date.now() < deadline) {
    try {
      const outcome = await check();
      if (outcome === true) return;
      last = outcome;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms (${last})`);
}

/**
 * The port a child announces in its JSON log (the line whose `msg` is `portMessage`), read from its
 * stdout; rejects when it exits first or has not said it within 120 s. `detail` is added to the exit
 * error (e.g. the end of its stderr).
 */
export function loggedPort(child: ChildProcess, portMessage: string, what: string, detail: () => string = () => ''): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 120_000);
    lines.on('line', (line) => {
      try {
        const log = JSON.parse(line) as { msg?: string; port?: number };
        if (log.msg === portMessage && typeof log.port === 'number') {
          clearTimeout(timer);
          resolvePort(log.port);
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}${detail()}`));
    });
  });
}

/** Polls a URL until it answers 2xx. */
export function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  return waitUntil(url, timeoutMs, async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok || `HTTP ${response.status}`;
  });
}

/** Runs an instant query against Prometheus and returns its series. */
export async function promQuery(prometheusUrl: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error ?? body.status}`);
  return body.data?.result ?? [];
}
