// The part of npm aws-kcl's record-processor API the relay uses (the package ships no types).
declare module 'aws-kcl' {
  export interface KclRecord {
    data: string;
    partitionKey: string;
    sequenceNumber: string;
    subSequenceNumber?: number;
    approximateArrivalTimestamp?: number;
  }
  export interface Checkpointer {
    checkpoint(sequenceNumber: string | null, callback: (error: unknown, sequenceNumber?: string) => void): void;
  }
  export interface RecordProcessor {
    initialize(input: { shardId: string }, done: () => void): void;
    processRecords(input: { records: KclRecord[]; checkpointer: Checkpointer }, done: () => void): void;
    leaseLost(input: unknown, done: () => void): void;
    shardEnded(input: { checkpointer: Checkpointer }, done: () => void): void;
    shutdownRequested(input: { checkpointer: Checkpointer }, done: () => void): void;
  }
  export default function kcl(processor: RecordProcessor): { run(): void };
}
