import type { Collection, Db } from 'mongodb';

interface CheckpointDoc {
  _id: string;
  sequence_number: string;
  stream?: string;
  updated_at: Date;
}

/** Per-shard positions in Mongo (ARCHITECTURE: stream_checkpoints, _id = shard id). */
export interface CheckpointStore {
  get(shardId: string): Promise<string | undefined>;
  save(shardId: string, sequenceNumber: string): Promise<void>;
}

export function mongoCheckpoints(db: Db, collection: string, stream: string): CheckpointStore {
  const docs: Collection<CheckpointDoc> = db.collection<CheckpointDoc>(collection);
  return {
    async get(shardId) {
      return (await docs.findOne({ _id: shardId }))?.sequence_number;
    },
    async save(shardId, sequenceNumber) {
      await docs.updateOne({ _id: shardId }, { $set: { sequence_number: sequenceNumber, stream, updated_at: new Date() } }, { upsert: true });
    },
  };
}
