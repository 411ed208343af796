import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** Starts the fixture, waits until it listens for signals, and collects its output. */
async function startFixture(graceMs: number, closeMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'close-on-signals.fixture.ts'), String(graceMs), String(closeMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    }),
  );
  await ready;
  return { child, output: () => output };
}

describe('closeOnSignals', () => {
  it('when SIGTERM then SIGINT arrive while closing, then the service is closed once and the process exits 0', async () => {
    const { child, output } = await startFixture(5_000, 300);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output().match(/close/g)).toHaveLength(1);
  }, 30_000);

  it('when closing takes longer than the grace time, then the process exits 1', async () => {
    const { child } = await startFixture(200, 10_000);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(1);
  }, 30_000);
});
