import { getObjectBuffer, newestKey, putObject } from '@churn/aws';
import type { S3Client } from '@aws-sdk/client-s3';

/** The S3 operations the activities need; tests pass an in-memory one. */
export interface ObjectStore {
  newestKey(bucket: string, prefix: string): Promise<string | undefined>;
  /** The object's bytes, or undefined when it does not exist. */
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  put(bucket: string, key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
}

const isMissing = (error: unknown) => {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
};

export function s3ObjectStore(s3: S3Client): ObjectStore {
  return {
    newestKey: (bucket, prefix) => newestKey(s3, bucket, prefix),
    async get(bucket, key) {
      try {
        return await getObjectBuffer(s3, bucket, key);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    put: (bucket, key, body, contentType) => putObject(s3, bucket, key, body, contentType),
  };
}
