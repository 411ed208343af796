import http from 'node:http';
import type { _Record } from '@aws-sdk/client-kinesis';
import { createLogger } from '@churn/logger';
import { startRelayServer, type RelayServer } from './kcl-batches.js';

const logger = createLogger('kcl-batches-test', { level: 'silent' });

function post(socketPath: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path: '/batch', method: 'POST' }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the KCL relay socket', () => {
  const handled: { shardId: string; records: _Record[] }[] = [];
  let fail = false;
  let server: RelayServer;

  beforeAll(async () => {
    server = await startRelayServer(
      {
        predictions: async (shardId, records) => {
          if (fail) throw new Error('results stream down');
          handled.push({ shardId, records });
        },
      },
      logger,
    );
  });
  afterAll(() => server.close());

  it('when a relay posts a batch, then the stream handler gets its records decoded and the relay 204 (it checkpoints then)', async () => {
    const body = { stream: 'predictions', shardId: 'shardId-000000000001', records: [{ data: Buffer.from('{"a":1}').toString('base64'), partitionKey: 'k1', sequenceNumber: '42', arrivedAt: 1_700_000_000_000 }] };
    expect(await post(server.socketPath, JSON.stringify(body))).toEqual({ status: 204, text: '' });
    expect(handled).toHaveLength(1);
    const [record] = handled[0]!.records;
    expect(handled[0]!.shardId).toBe('shardId-000000000001');
    expect(Buffer.from(record!.Data!).toString('utf8')).toBe('{"a":1}');
    expect(record).toMatchObject({ PartitionKey: 'k1', SequenceNumber: '42', ApproximateArrivalTimestamp: new Date(1_700_000_000_000) });
  });

  it('when a request is malformed, then 400 names the field and nothing is handled', async () => {
    handled.length = 0;
    const bad = { stream: 'predictions', shardId: 's', records: [{ data: 'not base64!', partitionKey: 'k', sequenceNumber: '1' }] };
    const response = await post(server.socketPath, JSON.stringify(bad));
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/^records\.0\.data: /);
    expect(await post(server.socketPath, JSON.stringify({ ...bad, stream: 'other', records: [] }))).toEqual({ status: 400, text: 'stream: no handler for other' });
    expect((await post(server.socketPath, '{')).status).toBe(400);
    expect(handled).toEqual([]);
  });

  it('when handling fails, then 500 (the relay retries the batch rather than checkpoint past it)', async () => {
    fail = true;
    const response = await post(server.socketPath, JSON.stringify({ stream: 'predictions', shardId: 's', records: [] }));
    fail = false;
    expect(response).toEqual({ status: 500, text: 'results stream down' });
  });
});
