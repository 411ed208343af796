import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-variables.js';

// Issue 19: every make target runs on the Node.js pinned in .nvmrc; where the machine's node is
// another version, scripts/node-runtime.sh installs the pinned one from the npm registry into
// STACK_DIR/node (a temporary one here, never the checkout's). The machine's node is faked by a
// wrapper that reports another version and runs the real node otherwise (npm needs one).
const pinned = readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim();
const work = mkdtempSync(join(tmpdir(), 'node-runtime-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A PATH whose first node says it is `version` and is the real node for everything else. */
function machineNode(version: string): string {
  const bin = join(work, `machine-${version}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'node'), `#!/bin/sh\n[ "$1" = --version ] && { echo v${version}; exit 0; }\nexec ${process.execPath} "$@"\n`);
  chmodSync(join(bin, 'node'), 0o755);
  return `${bin}:${process.env.PATH ?? ''}`;
}

const runtime = (stack: string, path: string) =>
  spawnSync(join(repoRoot, 'scripts/node-runtime.sh'), [], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, STACK_DIR: stack, PATH: path } });

describe('the pinned Node.js runtime', () => {
  const stack = join(work, 'stack');

  it('when the machine has another Node, then the pinned one is installed under STACK_DIR/node and its folder printed', () => {
    const result = runtime(stack, machineNode('20.0.0'));
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(join(stack, 'node', 'bin'));
    expect(spawnSync(join(stack, 'node', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(`v${pinned}`);
    // Nothing half-unpacked is left beside it.
    expect(readdirSync(stack).filter((name) => name.startsWith('.node.') && name !== '.node.lock')).toEqual([]);
  }, 300_000);

  it('when it is installed, then the next run reuses it without downloading', () => {
    const before = statSync(join(stack, 'node', 'bin', 'node')).mtimeMs;
    const result = runtime(stack, machineNode('20.0.0'));
    expect(result.stdout.trim()).toBe(join(stack, 'node', 'bin'));
    expect(result.stderr).toBe('');
    expect(statSync(join(stack, 'node', 'bin', 'node')).mtimeMs).toBe(before);
  });

  it('when the machine already has the pinned version, then that node is used and nothing is installed', () => {
    const other = join(work, 'stack-machine');
    const result = runtime(other, machineNode(pinned));
    expect(result.stdout.trim()).toBe(join(work, `machine-${pinned}`));
    expect(existsSync(join(other, 'node'))).toBe(false);
  });

  it('when an install was killed halfway, then the next run installs it again', async () => {
    const killed = join(work, 'stack-killed');
    const child = spawn(join(repoRoot, 'scripts/node-runtime.sh'), [], { env: { ...process.env, STACK_DIR: killed, PATH: machineNode('20.0.0') }, detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Killed once the download folder exists: mid-download or mid-unpack.
    while (!existsSync(killed) || !readdirSync(killed).some((name) => name.startsWith('.node.') && name !== '.node.lock')) await new Promise((r) => setTimeout(r, 20));
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    await exited;
    expect(existsSync(join(killed, 'node', 'bin', 'node'))).toBe(false);
    // A broken copy in place (a binary that does not run) is replaced too.
    mkdirSync(join(killed, 'node', 'bin'), { recursive: true });
    writeFileSync(join(killed, 'node', 'bin', 'node'), '');
    const result = runtime(killed, machineNode('20.0.0'));
    expect(result.status).toBe(0);
    expect(spawnSync(join(killed, 'node', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(`v${pinned}`);
    expect(readdirSync(killed).filter((name) => name.startsWith('.node.') && name !== '.node.lock')).toEqual([]);
  }, 300_000);

  it('when a make target runs, then it runs on the pinned Node whatever the machine has', () => {
    const result = spawnSync('make', ['-s', '--no-print-directory', 'node-version'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000, env: { ...process.env, PATH: machineNode('20.0.0') } });
    expect(result.stdout.trim()).toBe(`v${pinned}`);
  }, 300_000);
});
