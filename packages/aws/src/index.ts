export { createS3Client, createKinesisClient, type AwsConfig } from './clients.js';
export { parseS3Uri, S3UriError, ensureBucket, getObjectBuffer, putObject, listKeys, newestKey, type S3Location, type ObjectEntry } from './s3.js';
export { ensureStream } from './kinesis.js';
