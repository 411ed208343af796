// Child processes of the serving benches: started from a node command line, found by the port in
// their JSON log, stopped with SIGTERM, and their CPU read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** Starts a node command line (in the repository root) and waits for the JSON log line carrying its port. */
export async function startChild(command: string[], childEnv: Record<string, string>, portMessage: string): Promise<{ child: ChildProcess; port: number }> {
  const entry = command.find((word) => /\.[jt]s$/.test(word)) ?? command.join(' ');
  const child = spawn(process.execPath, command, { cwd: ROOT, env: { ...process.env, ...childEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start`)), 120_000);
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
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
  });
  return { child, port };
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
