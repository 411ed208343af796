import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@churn/logger';
import { kclJars, kclProperties, type KclDaemonOptions } from './kcl-daemon.js';

const options: KclDaemonOptions = {
  applicationName: 'churn-predictor-stream',
  stream: 'predictions',
  workerId: 'host-1-abc',
  region: 'eu-west-1',
  jarsDir: '/nowhere',
  java: 'java',
  maxRecords: 1000,
  pollIntervalMs: 200,
  failoverMs: 10_000,
  shardSyncIntervalMs: 10_000,
  shutdownGraceMs: 20_000,
  relaySocket: '/tmp/x.sock',
  env: {},
  logger: createLogger('kcl-daemon-test', { level: 'silent' }),
};

const parse = (text: string) => Object.fromEntries(text.trim().split('\n').map((line) => line.split(' = ') as [string, string]));

describe('the MultiLangDaemon properties', () => {
  it('when endpoints are given, then the KCL reads Kinesis and DynamoDB there, by polling, without CloudWatch metrics, as this worker', () => {
    const properties = parse(kclProperties({ ...options, kinesisEndpoint: 'http://127.0.0.1:4568', dynamoDbEndpoint: 'http://127.0.0.1:4567' }));
    expect(properties).toMatchObject({
      streamName: 'predictions',
      applicationName: 'churn-predictor-stream',
      workerId: 'host-1-abc',
      regionName: 'eu-west-1',
      AWSCredentialsProvider: 'DefaultCredentialsProvider',
      retrievalMode: 'POLLING',
      metricsLevel: 'NONE',
      initialPositionInStream: 'TRIM_HORIZON',
      maxRecords: '1000',
      idleTimeBetweenReadsInMillis: '200',
      failoverTimeMillis: '10000',
      shardSyncIntervalMillis: '10000',
      shutdownGraceMillis: '20000',
      kinesisEndpoint: 'http://127.0.0.1:4568',
      dynamoDBEndpoint: 'http://127.0.0.1:4567',
    });
    expect(properties.executableName).toMatch(/ .*kcl-relay\.ts$/);
  });

  it('when no endpoint is given, then none is written (AWS)', () => {
    const properties = parse(kclProperties(options));
    expect(properties).not.toHaveProperty('kinesisEndpoint');
    expect(properties).not.toHaveProperty('dynamoDBEndpoint');
  });

  it('when the jars folder is missing or empty, then the error names KCL_JARS and the install step', () => {
    expect(() => kclJars('/nowhere')).toThrow(/^KCL_JARS: no jars in \/nowhere \(scripts\/stack\/install\.sh kcl/);
    expect(() => kclJars(mkdtempSync(join(tmpdir(), 'kcl-jars-')))).toThrow(/KCL_JARS/);
  });
});
