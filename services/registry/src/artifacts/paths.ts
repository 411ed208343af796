import { invalid } from '../errors.js';

/**
 * A relative artifact path with '.' and empty segments dropped. Absolute paths, '..' segments,
 * backslashes and NUL bytes are refused so no request can reach outside its root.
 */
export function normalizeArtifactPath(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '';
  if (raw.includes('\0') || raw.includes('\\')) throw invalid(`Invalid artifact path: '${raw}'`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw invalid(`Invalid artifact path: '${raw}'. Absolute paths are not allowed.`);
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw invalid(`Invalid artifact path: '${raw}'. '..' is not allowed.`);
  return parts.join('/');
}

export const joinKey = (...parts: string[]) => parts.filter((p) => p !== '').join('/');

const MLFLOW_ARTIFACTS = /^mlflow-artifacts:(\/\/[^/]*)?\/*/;

/** `mlflow-artifacts:/0/<run>/artifacts` -> `0/<run>/artifacts` (the key prefix in the bucket). */
export function artifactUriToKey(uri: string): string | undefined {
  if (!MLFLOW_ARTIFACTS.test(uri)) return undefined;
  return normalizeArtifactPath(uri.replace(MLFLOW_ARTIFACTS, ''));
}
