import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The AWS variables (the SDK's own names); endpoints are set for the local stack and unset on AWS. */
export interface AwsConfig {
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_ENDPOINT_URL_S3?: string | undefined;
  AWS_ENDPOINT_URL_KINESIS?: string | undefined;
}

const credentials = (cfg: AwsConfig) => ({ accessKeyId: cfg.AWS_ACCESS_KEY_ID, secretAccessKey: cfg.AWS_SECRET_ACCESS_KEY });

/**
 * Path-style addressing because local servers have no per-bucket DNS names. Checksums are
 * validated only when required: rclone answers ranged GETs with the whole object's CRC32.
 */
export function createS3Client(cfg: AwsConfig): S3Client {
  return new S3Client({
    region: cfg.AWS_REGION,
    credentials: credentials(cfg),
    ...(cfg.AWS_ENDPOINT_URL_S3 ? { endpoint: cfg.AWS_ENDPOINT_URL_S3, forcePathStyle: true } : {}),
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** HTTP/1.1 handler: kinesalite breaks the SDK's default HTTP/2 session (ERR_HTTP2_ERROR). */
export function createKinesisClient(cfg: AwsConfig): KinesisClient {
  return new KinesisClient({
    region: cfg.AWS_REGION,
    credentials: credentials(cfg),
    ...(cfg.AWS_ENDPOINT_URL_KINESIS ? { endpoint: cfg.AWS_ENDPOINT_URL_KINESIS } : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
  });
}
