import { DeleteObjectsCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { createS3Client, ensureBucket, getObjectBuffer, listKeys, newestKey, putObject } from '@churn/aws';
import { stackEnv, uniqueName } from './stack-env.js';

describe('S3 of the native stack (rclone serve s3) through @churn/aws', () => {
  const s3 = createS3Client(stackEnv);
  const bucket = 'churn-reports';
  const prefix = `${uniqueName('stack-test')}/`;

  afterAll(async () => {
    const keys = await listKeys(s3, bucket, prefix);
    if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map(({ key }) => ({ Key: key })) } }));
    s3.destroy();
  });

  it('when a bucket is ensured twice, then both calls succeed', async () => {
    await ensureBucket(s3, bucket);
    await expect(ensureBucket(s3, bucket)).resolves.toBeUndefined();
  });

  it('when objects are put, then get returns the bytes and list (all pages) and newestKey find them', async () => {
    await putObject(s3, bucket, `${prefix}a/2026-01-01.csv`, 'x,y\n1,2\n', 'text/csv');
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // rclone keeps mtimes in whole seconds
    await putObject(s3, bucket, `${prefix}a/2026-01-02.csv`, 'x,y\n3,4\n', 'text/csv');
    await putObject(s3, bucket, `${prefix}a/notes.txt`, 'not a snapshot');

    expect((await getObjectBuffer(s3, bucket, `${prefix}a/2026-01-02.csv`)).toString()).toBe('x,y\n3,4\n');
    const keys = await listKeys(s3, bucket, `${prefix}a/`);
    expect(keys.map(({ key }) => key).sort()).toEqual([`${prefix}a/2026-01-01.csv`, `${prefix}a/2026-01-02.csv`, `${prefix}a/notes.txt`]);
    expect(keys.find(({ key }) => key.endsWith('notes.txt'))?.size).toBe('not a snapshot'.length);
    expect(await newestKey(s3, bucket, `${prefix}a/`)).toBe(`${prefix}a/2026-01-02.csv`);
  });

  it('when wrong credentials are used, then the server refuses the request', async () => {
    const stranger = createS3Client({ ...stackEnv, AWS_SECRET_ACCESS_KEY: 'wrong-secret' });
    const error: unknown = await listKeys(stranger, bucket, prefix).catch((e: unknown) => e);
    stranger.destroy();
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(403);
  });
});
