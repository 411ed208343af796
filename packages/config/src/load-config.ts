import type { z } from 'zod';
import { readEnvFiles } from './env-files.js';

/** Thrown when the environment does not satisfy a service's schema; names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`invalid configuration: ${variable}: ${reason}`);
  }
}

export interface LoadConfigOptions {
  /** Env files read before the process environment; the process environment wins. */
  envFiles?: readonly string[];
  /** Defaults to process.env; tests pass their own. */
  env?: Record<string, string | undefined>;
  /** When true (the default for mains), print one line naming the variable and exit(1). */
  exitOnError?: boolean;
}

/**
 * Parses the environment once, at start, against a zod object whose keys are variable names.
 * Empty strings count as unset so `FOO=` in an env file falls back to the default.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, options: LoadConfigOptions = {}): z.infer<S> {
  const fromFiles = readEnvFiles(options.envFiles ?? []);
  const raw: Record<string, string | undefined> = { ...fromFiles, ...(options.env ?? process.env) };
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = raw[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = issue?.path.join('.') || 'environment';
  const error = new ConfigError(variable, issue?.message ?? 'invalid');
  if (options.exitOnError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
