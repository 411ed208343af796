import type { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { listKeys } from '@churn/aws';
import type { ArtifactEntry, ArtifactStore } from './artifact-store.js';

const isMissing = (error: unknown) => {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
};

/** Artifacts in one S3 bucket, keyed by their mlflow-artifacts path; uploads stream through multipart. */
export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Readable | Buffer, contentType?: string): Promise<void> {
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ...(contentType ? { ContentType: contentType } : {}) },
      queueSize: 2,
      partSize: 8 * 1024 * 1024,
    });
    await upload.done();
  }

  async get(key: string) {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!response.Body) return undefined;
      return { body: response.Body as Readable, size: response.ContentLength, contentType: response.ContentType };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    const folder = prefix ? `${prefix}/` : '';
    const entries: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, Delimiter: '/', ContinuationToken: token }));
      for (const p of page.CommonPrefixes ?? []) {
        if (p.Prefix) entries.push({ name: p.Prefix.slice(folder.length).replace(/\/$/, ''), isDir: true });
      }
      for (const o of page.Contents ?? []) {
        if (o.Key && o.Key !== folder) entries.push({ name: o.Key.slice(folder.length), isDir: false, size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  }

  async delete(key: string): Promise<number> {
    const keys = [...(await listKeys(this.s3, this.bucket, `${key}/`)).map((e) => e.key)];
    if (await this.exists(key)) keys.push(key);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
    }
    return keys.length;
  }

  close(): void {
    this.s3.destroy();
  }
}
