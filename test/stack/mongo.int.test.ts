import { MongoClient } from 'mongodb';
import { stackEnv, uniqueName } from './stack-env.js';

describe('MongoDB wire server of the native stack (FerretDB or mongod)', () => {
  const client = new MongoClient(stackEnv.MONGODB_URI, { serverSelectionTimeoutMS: 10_000 });
  const collectionName = uniqueName('stack_test');

  beforeAll(() => client.connect());
  afterAll(async () => {
    await client.db().collection(collectionName).drop().catch(() => undefined);
    await client.close();
  });

  it('when documents are inserted, then find with a filter, sort and date range returns them', async () => {
    const collection = client.db().collection<{ customer: number; chance: number; at: Date }>(collectionName);
    const at = new Date();
    await collection.insertMany([
      { customer: 1, chance: 0.2, at },
      { customer: 2, chance: 0.9, at },
      { customer: 3, chance: 0.6, at: new Date(at.getTime() - 86_400_000) },
    ]);
    const recent = await collection
      .find({ at: { $gte: new Date(at.getTime() - 1_000) } }, { projection: { _id: 0 } })
      .sort({ chance: -1 })
      .toArray();
    expect(recent.map((doc) => doc.customer)).toEqual([2, 1]);
  });

  it('when a unique index exists, then a duplicate insert fails with E11000', async () => {
    const collection = client.db().collection(`${collectionName}_unique`);
    try {
      await collection.createIndex({ key: 1 }, { unique: true });
      await collection.insertOne({ key: 'x' });
      await expect(collection.insertOne({ key: 'x' })).rejects.toMatchObject({ code: 11000 });
    } finally {
      await collection.drop().catch(() => undefined);
    }
  });
});
