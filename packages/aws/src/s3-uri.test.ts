import { parseS3Uri, S3UriError } from './index.js';

describe('parseS3Uri', () => {
  it('when given a bucket and prefix, then it splits them', () => {
    expect(parseS3Uri('s3://churn-features/snapshots/')).toEqual({ bucket: 'churn-features', key: 'snapshots/' });
  });

  it('when given a bucket alone, then the key is empty', () => {
    expect(parseS3Uri('s3://churn-features')).toEqual({ bucket: 'churn-features', key: '' });
  });

  it.each(['http://bucket/key', 's3://', 's3://UPPER/key', 'churn-features/key'])('when given %s, then it throws naming the URI', (uri) => {
    expect(() => parseS3Uri(uri)).toThrow(S3UriError);
    expect(() => parseS3Uri(uri)).toThrow(uri);
  });
});
