import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The convention the env-file checks rely on: every workspace that reads environment variables
 * declares them in `src/config.ts`, which exports its zod object schema(s), or their shapes, and
 * loads nothing at import time. The variables are the UPPER_SNAKE keys of those objects.
 */
export const repoRoot = join(import.meta.dirname, '..', '..');

/** Read by tooling before any schema applies, so they never belong in an env file. */
export const META_VARIABLES = new Set(['ENV_FILE']);

export function configModules(root = repoRoot): string[] {
  const workspaces = ['packages', 'services'].flatMap((dir) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(root, dir, entry.name))
      : [],
  );
  workspaces.push(join(root, 'workflows'));
  return workspaces.map((ws) => join(ws, 'src', 'config.ts')).filter((file) => existsSync(file));
}

interface ZodLike {
  _zod: { def: { type: string; in?: unknown; shape?: unknown } };
  shape?: Record<string, unknown>;
}

const isZod = (value: unknown): value is ZodLike =>
  typeof value === 'object' && value !== null && '_zod' in value && typeof (value as ZodLike)._zod?.def?.type === 'string';

const variableName = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/** Keys of a zod object (through .transform/.pipe wrappers) or of a plain shape of zod values. */
export function variablesOf(value: unknown): string[] {
  if (isZod(value)) {
    if (value._zod.def.type === 'object' && value.shape) return Object.keys(value.shape).filter((k) => variableName.test(k));
    if (value._zod.def.type === 'pipe') return variablesOf(value._zod.def.in);
    return [];
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([key, v]) => variableName.test(key) && isZod(v))) return entries.map(([key]) => key);
  }
  return [];
}

/** Every variable some service, worker or CLI reads, with the config modules that declare it. */
export async function serviceVariables(root = repoRoot): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const file of configModules(root)) {
    const module = (await import(file)) as Record<string, unknown>;
    for (const exported of Object.values(module)) {
      for (const name of variablesOf(exported)) {
        if (META_VARIABLES.has(name)) continue;
        const where = found.get(name) ?? [];
        const relative = file.slice(root.length + 1);
        if (!where.includes(relative)) where.push(relative);
        found.set(name, where);
      }
    }
  }
  return found;
}

/** Variable names assigned in a dotenv file, in order (comments and blank lines skipped). */
export function envFileKeys(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}
