import { unwatchFile, watchFile } from 'node:fs';

/**
 * Calls `onChange` when the env file changes (polled: survives editors and `sed -i` replacing the
 * file) and on SIGHUP. Returns a function that stops watching.
 */
export function watchEnvFile(path: string, onChange: (reason: 'file' | 'sighup') => void, intervalMs = 250): () => void {
  const listener = (current: { mtimeMs: number; size: number }, previous: { mtimeMs: number; size: number }) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) onChange('file');
  };
  const onHup = () => onChange('sighup');
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  process.on('SIGHUP', onHup);
  return () => {
    unwatchFile(path, listener);
    process.off('SIGHUP', onHup);
  };
}
