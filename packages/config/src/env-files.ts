import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'dotenv';

/**
 * Reads env files in order, later files overriding earlier ones. Missing files are skipped so
 * the same code runs in containers, where the environment alone carries the values.
 */
export function readEnvFiles(paths: readonly string[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const path of paths) {
    if (!existsSync(path)) continue;
    Object.assign(merged, parse(readFileSync(path)));
  }
  return merged;
}
