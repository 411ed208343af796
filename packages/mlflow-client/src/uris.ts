import { MlflowError } from './errors.js';

/** The proxy's URL prefix; both our registry and `mlflow server --serve-artifacts` answer it. */
export const ARTIFACTS_PROXY_PATH = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The path below the artifact proxy's root for an artifact URI:
 * `mlflow-artifacts:/1/<run>/artifacts` and `mlflow-artifacts://host:5000/1/<run>/artifacts`
 * both give `1/<run>/artifacts`. Other schemes (s3:, file:) would need storage credentials.
 */
export function proxyPathOf(artifactUri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  if (match) return trimSlashes(match[1] ?? '');
  const http = /^https?:\/\/[^/]+\/api\/2\.0\/mlflow-artifacts\/artifacts\/?(.*)$/.exec(artifactUri);
  if (http) return trimSlashes(http[1] ?? '');
  throw new MlflowError(
    `artifact URI "${artifactUri}" is not served by the artifact proxy (start mlflow server with --serve-artifacts)`,
    'UNSUPPORTED_ARTIFACT_URI',
    0,
  );
}

/** Joins relative artifact paths, refusing `..` so a path cannot leave its root. */
export function joinArtifactPath(...parts: (string | undefined)[]): string {
  const segments: string[] = [];
  for (const part of parts) {
    for (const segment of (part ?? '').split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') throw new MlflowError(`artifact path must not contain "..": ${parts.join('/')}`, 'INVALID_PARAMETER_VALUE', 0);
      segments.push(segment);
    }
  }
  return segments.join('/');
}

export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

export type ModelUri =
  | { kind: 'run'; runId: string; artifactPath: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'version'; name: string; version: string };

/** Parses `runs:/<id>/<path>`, `models:/<name>@<alias>` and `models:/<name>/<version>`. */
export function parseModelUri(uri: string): ModelUri {
  const run = /^runs:\/+([^/]+)(?:\/(.*))?$/.exec(uri);
  if (run?.[1]) return { kind: 'run', runId: run[1], artifactPath: joinArtifactPath(run[2]) };
  const alias = /^models:\/+([^/@]+)@([^/]+)\/?$/.exec(uri);
  if (alias?.[1] && alias[2]) return { kind: 'alias', name: decodeURIComponent(alias[1]), alias: alias[2] };
  const version = /^models:\/+([^/@]+)\/(\d+)\/?$/.exec(uri);
  if (version?.[1] && version[2]) return { kind: 'version', name: decodeURIComponent(version[1]), version: version[2] };
  throw new MlflowError(
    `unsupported model URI "${uri}": expected runs:/<run_id>/<path>, models:/<name>@<alias> or models:/<name>/<version>`,
    'INVALID_PARAMETER_VALUE',
    0,
  );
}
