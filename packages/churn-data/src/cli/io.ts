/** Where a dataset command writes and what it resolves paths against (the user's folder, not the workspace's). */
export interface Io {
  cwd: string;
  out(text: string): void;
  err(text: string): void;
}

/** A failure the user can fix (a file that cannot be read, an --out that exists): printed as is, exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
