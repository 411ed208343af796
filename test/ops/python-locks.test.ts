// Issue 19: the Python venvs tests use are pinned with hashes. py-venv.sh installs with
// --require-hashes, so a lock line without a hash would fail every venv build; this names it first.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const python = fileURLToPath(new URL('../../python', import.meta.url));
const locks = readdirSync(python).filter((f) => f.endsWith('.requirements.txt'));

/** Requirement entries of a pip-compile lock: continuation lines joined, comments dropped. */
function entries(text: string): string[] {
  return text
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

test('every Python lock has its hand-edited .in file beside it', () => {
  expect(locks.length).toBeGreaterThan(0);
  for (const lock of locks) expect(readdirSync(python)).toContain(lock.replace(/\.txt$/, '.in'));
});

test.each(locks)('when %s is read, then every requirement is pinned with == and carries a sha256 hash', (lock) => {
  const unpinned = entries(readFileSync(join(python, lock), 'utf8')).filter((entry) => !/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]+\])?==\S+( ; [^-]+)? (--hash=sha256:[0-9a-f]{64} ?)+$/.test(entry));
  expect(unpinned).toEqual([]);
});

test.each(locks)('when %s is read, then each direct pin of its .in file is in it at the same version', (lock) => {
  const locked = new Set(entries(readFileSync(join(python, lock), 'utf8')).map((entry) => entry.split(' ')[0]!.toLowerCase()));
  const direct = entries(readFileSync(join(python, lock.replace(/\.txt$/, '.in')), 'utf8'));
  for (const pin of direct) expect(locked).toContain(pin.toLowerCase());
});
