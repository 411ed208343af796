import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { putAll, PutRecordsError } from './kinesis-io.js';

/** A client whose PutRecords fails the odd-numbered entries for the first attempts, like a throttled shard. */
function fakeKinesis(failingAttempts: number) {
  const calls: string[][] = [];
  let attempt = 0;
  const client = {
    send: async (command: PutRecordsCommand) => {
      const keys = (command.input.Records ?? []).map((r) => r.PartitionKey ?? '');
      calls.push(keys);
      const fail = attempt < failingAttempts;
      attempt += 1;
      const Records = keys.map((key) => (fail && Number(key.slice(1)) % 2 === 1 ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' } : { SequenceNumber: '1', ShardId: 's' }));
      return { FailedRecordCount: Records.filter((r) => 'ErrorCode' in r).length, Records };
    },
  };
  return { client: client as unknown as KinesisClient, calls };
}

const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from('{}') }));

describe('putAll', () => {
  it('when some entries fail, then only those are sent again until all are written', async () => {
    const { client, calls } = fakeKinesis(2);
    await putAll(client, 'results', entries(8), { baseDelayMs: 1 });
    expect(calls[0]).toHaveLength(8);
    expect(calls[1]).toEqual(['k1', 'k3', 'k5', 'k7']);
    expect(calls[2]).toEqual(['k1', 'k3', 'k5', 'k7']);
    expect(calls).toHaveLength(3);
  });

  it('when there are more than 500 entries, then they go in calls of at most 500', async () => {
    const { client, calls } = fakeKinesis(0);
    await putAll(client, 'results', entries(1200));
    expect(calls.map((c) => c.length)).toEqual([500, 500, 200]);
  });

  it('when entries keep failing, then it gives up with PutRecordsError after the attempts', async () => {
    const { client } = fakeKinesis(100);
    await expect(putAll(client, 'results', entries(4), { attempts: 3, baseDelayMs: 1 })).rejects.toThrow(PutRecordsError);
  });
});
