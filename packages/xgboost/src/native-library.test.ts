import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const index = fileURLToPath(new URL('./index.ts', import.meta.url));
const emptyStack = mkdtempSync(join(tmpdir(), 'no-stack-'));
afterAll(() => rmSync(emptyStack, { recursive: true, force: true }));

/** Which libxgboost a fresh process loads (the choice is made once per process) and which engine `auto` gives. */
function loaded(env: Record<string, string>): { version: string | null; kind: string } {
  const script = `import(${JSON.stringify(index)}).then(async (m) => console.log(JSON.stringify({ version: m.nativeVersion() ?? null, kind: (await m.createEngine('auto')).kind })))`;
  const { XGBOOST_LIBRARY: _, STACK_DIR: __, ...inherited } = process.env;
  const run = spawnSync(join(root, 'node_modules/.bin/tsx'), ['-e', script], { cwd: root, encoding: 'utf8', env: { ...inherited, ...env }, timeout: 60_000 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { version: string | null; kind: string };
}

test("when nothing is configured, then the native engine loads the stack's pinned libxgboost 3.2.0", () => {
  expect(loaded({})).toEqual({ version: '3.2.0', kind: 'native' });
});

test("when the stack's libxgboost is absent, then Debian's 1.7.4 is loaded instead", () => {
  expect(loaded({ STACK_DIR: emptyStack })).toEqual({ version: '1.7.4', kind: 'native' });
});

test('when XGBOOST_LIBRARY names a library, then that one is loaded', () => {
  expect(loaded({ XGBOOST_LIBRARY: 'libxgboost.so.0' })).toEqual({ version: '1.7.4', kind: 'native' });
});

test('when XGBOOST_LIBRARY names a missing file, then there is no fallback to another library and auto picks WebAssembly', () => {
  expect(loaded({ XGBOOST_LIBRARY: join(emptyStack, 'libxgboost.so') })).toEqual({ version: null, kind: 'wasm' });
});
