import { joinArtifactPath, parseModelUri, proxyPathOf } from './uris.js';

describe('artifact and model URIs', () => {
  it.each([
    ['mlflow-artifacts:/1/abc/artifacts', '1/abc/artifacts'],
    ['mlflow-artifacts://127.0.0.1:5000/1/abc/artifacts/', '1/abc/artifacts'],
    ['http://h:5051/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts', '1/abc/artifacts'],
  ])('when the artifact URI is %s, then the proxy path is %s', (uri, path) => {
    expect(proxyPathOf(uri)).toBe(path);
  });

  it('when the artifact URI needs storage credentials (s3:), then it is refused with a clear code', () => {
    expect(() => proxyPathOf('s3://bucket/1/abc/artifacts')).toThrow(expect.objectContaining({ errorCode: 'UNSUPPORTED_ARTIFACT_URI' }));
  });

  it('when joining paths, then empty and . segments vanish and .. is refused', () => {
    expect(joinArtifactPath('1/r/artifacts/', './model', 'a/b')).toBe('1/r/artifacts/model/a/b');
    expect(() => joinArtifactPath('model', '../x')).toThrow(/\.\./);
  });

  it.each([
    ['runs:/abc123/model', { kind: 'run', runId: 'abc123', artifactPath: 'model' }],
    ['runs:/abc123', { kind: 'run', runId: 'abc123', artifactPath: '' }],
    ['models:/churn-model@champion', { kind: 'alias', name: 'churn-model', alias: 'champion' }],
    ['models:/churn-model/7', { kind: 'version', name: 'churn-model', version: '7' }],
  ])('when the model URI is %s, then it parses', (uri, expected) => {
    expect(parseModelUri(uri)).toEqual(expected);
  });

  it.each(['s3://b/model', 'models:/churn-model', 'models:/churn-model/latest', 'runs:/'])('when the model URI is %s, then it is refused', (uri) => {
    expect(() => parseModelUri(uri)).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
  });
});
