import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { _Record } from '@aws-sdk/client-kinesis';
import type { Logger } from '@churn/logger';
import { z } from 'zod';

/** What a relay posts: one KCL batch of one shard of one stream (record data base64, as the KCL gives it). */
export const relayBatchSchema = z.object({
  stream: z.string().min(1),
  shardId: z.string().min(1),
  records: z.array(
    z.object({
      data: z.base64(),
      partitionKey: z.string(),
      sequenceNumber: z.string().min(1),
      arrivedAt: z.number().optional(),
    }),
  ),
});

export type BatchHandler = (shardId: string, records: _Record[]) => Promise<void>;

export interface RelayServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

function toRecords(batch: z.infer<typeof relayBatchSchema>): _Record[] {
  return batch.records.map((r) => ({
    Data: Buffer.from(r.data, 'base64'),
    PartitionKey: r.partitionKey,
    SequenceNumber: r.sequenceNumber,
    ...(r.arrivedAt !== undefined ? { ApproximateArrivalTimestamp: new Date(r.arrivedAt) } : {}),
  }));
}

/**
 * The predictor's side of the KCL relays: a Unix socket (private to this process) taking each shard's
 * batches for the handler of their stream. 204 once the batch is handled (the relay then checkpoints),
 * 400 naming the field of a malformed request, 500 when handling failed (the relay retries).
 */
export async function startRelayServer(handlers: Record<string, BatchHandler>, logger: Logger): Promise<RelayServer> {
  const socketPath = join(tmpdir(), `churn-kcl-${process.pid}-${randomUUID().slice(0, 8)}.sock`);
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return response.writeHead(400).end('body: not JSON');
      }
      const parsed = relayBatchSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return response.writeHead(400).end(`${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`);
      }
      const handler = handlers[parsed.data.stream];
      if (!handler) return response.writeHead(400).end(`stream: no handler for ${parsed.data.stream}`);
      handler(parsed.data.shardId, toRecords(parsed.data)).then(
        () => response.writeHead(204).end(),
        (error: unknown) => {
          logger.error({ err: error, stream: parsed.data.stream, shardId: parsed.data.shardId }, 'KCL batch failed; its relay retries it');
          response.writeHead(500).end((error as Error).message);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    socketPath,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
