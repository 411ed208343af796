import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface S3Location {
  bucket: string;
  key: string;
}

export interface ObjectEntry {
  key: string;
  lastModified: Date;
  size: number;
}

/** Thrown when a string is not an `s3://bucket/key` URI. */
export class S3UriError extends Error {
  override readonly name = 'S3UriError';
  constructor(readonly uri: string) {
    super(`not an S3 URI (expected s3://bucket/prefix): ${uri}`);
  }
}

/** `s3://bucket/some/prefix` -> { bucket: 'bucket', key: 'some/prefix' } (key may be empty). */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri.trim());
  if (!match?.[1]) throw new S3UriError(uri);
  return { bucket: match[1], key: match[2] ?? '' };
}

/** Creates the bucket unless it exists; AWS and rclone name "exists" differently, both are fine. */
export async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}

export async function getObjectBuffer(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return Buffer.from(await response.Body.transformToByteArray());
}

export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  contentType?: string,
): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(contentType ? { ContentType: contentType } : {}) }));
}

/** Every object under the prefix, following continuation tokens through all pages. */
export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<ObjectEntry[]> {
  const entries: ObjectEntry[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      entries.push({ key: item.Key, lastModified: item.LastModified ?? new Date(0), size: item.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return entries;
}

/**
 * The newest CSV under the prefix. Snapshot keys carry their date (snapshots/YYYY-MM-DD/...), so
 * ties in modification time fall back to the key, which sorts by date.
 */
export async function newestKey(s3: S3Client, bucket: string, prefix = ''): Promise<string | undefined> {
  const csvs = (await listKeys(s3, bucket, prefix)).filter((entry) => entry.key.endsWith('.csv'));
  csvs.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || b.key.localeCompare(a.key));
  return csvs[0]?.key;
}
