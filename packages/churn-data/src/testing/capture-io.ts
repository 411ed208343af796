import type { Io } from '../cli/io.js';

/** An Io that keeps what a dataset command printed, for tests. */
export function captureIo(cwd: string): Io & { stdout: string; stderr: string } {
  const io = {
    cwd,
    stdout: '',
    stderr: '',
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
  };
  return io;
}
