import { MlflowError } from '../errors.js';
import { artifactUriToKey, normalizeArtifactPath } from './paths.js';

describe('normalizeArtifactPath', () => {
  it('when given a relative path with dots and doubled slashes, then it is cleaned', () => {
    expect(normalizeArtifactPath('model//./MLmodel')).toBe('model/MLmodel');
    expect(normalizeArtifactPath('')).toBe('');
    expect(normalizeArtifactPath(undefined)).toBe('');
  });

  it.each(['../secret', 'a/../../b', '/etc/passwd', 'C:/windows', 'a\\..\\b', 'a\0b', 'x/..'])('when given %j, then it is refused', (path) => {
    expect(() => normalizeArtifactPath(path)).toThrow(MlflowError);
  });
});

describe('artifactUriToKey', () => {
  it('when given an mlflow-artifacts URI, then the bucket key prefix is returned', () => {
    expect(artifactUriToKey('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(artifactUriToKey('mlflow-artifacts://host:5000/1/abc/artifacts')).toBe('1/abc/artifacts');
  });

  it('when given another scheme, then there is no key', () => {
    expect(artifactUriToKey('s3://bucket/x')).toBeUndefined();
  });

  it('when the URI hides a traversal, then it is refused', () => {
    expect(() => artifactUriToKey('mlflow-artifacts:/1/../../x')).toThrow(MlflowError);
  });
});
