import { DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream } from '@churn/aws';
import { stackEnv, uniqueName } from './stack-env.js';

describe('Kinesis of the native stack (kinesalite) through @churn/aws', () => {
  const kinesis = createKinesisClient(stackEnv);
  const stream = uniqueName('stack-test');

  afterAll(async () => {
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream })).catch(() => undefined);
    kinesis.destroy();
  });

  it('when a record is put, then reading the shard from the start returns it', async () => {
    await ensureStream(kinesis, stream);
    await ensureStream(kinesis, stream); // a second call finds the stream and succeeds
    const body = JSON.stringify({ customer_id: 42, customer_age: 45 });
    const put = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: '42', Data: Buffer.from(body) }));

    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    expect(Shards?.map((shard) => shard.ShardId)).toEqual([put.ShardId]);
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records?.map((record) => Buffer.from(record.Data ?? []).toString())).toEqual([body]);
    expect(Records?.[0]?.SequenceNumber).toBe(put.SequenceNumber);
  });
});
