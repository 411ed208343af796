import { invalid } from '../errors.js';
import type { KeyValue } from './types.js';

// MLflow's limits on logged data, so clients see the same errors against either server.
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
export const MAX_BATCH = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

const KEY_PATTERN = /^[/\w.\- :]*$/;

export function validateKey(kind: string, key: string): void {
  if (!key) throw invalid(`Invalid ${kind} name: '' (a non-empty name is required)`);
  if (key.length > MAX_KEY_LENGTH) throw invalid(`${kind} name '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${MAX_KEY_LENGTH}`);
  if (!KEY_PATTERN.test(key)) {
    throw invalid(`Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`);
  }
  if (key.split('/').some((part) => part === '..') || key.startsWith('/')) throw invalid(`Invalid ${kind} name: '${key}'. Names may be treated as files, so they cannot be absolute or contain '..'`);
}

export function validateValue(kind: string, key: string, value: string, limit: number): void {
  if (value.length > limit) throw invalid(`${kind} '${key}' had value length ${value.length}, which exceeded length limit of ${limit}`);
}

/** Keeps the last value given for each key, so one statement never updates a row twice. */
export function lastByKey<T extends { key: string }>(items: T[]): T[] {
  return [...new Map(items.map((item) => [item.key, item])).values()];
}

export function toKeyValues(items: { key: string; value: string }[] | undefined): KeyValue[] {
  return (items ?? []).map(({ key, value }) => ({ key, value }));
}
