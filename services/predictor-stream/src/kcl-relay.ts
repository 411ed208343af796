// The record processor the KCL's MultiLangDaemon runs for each shard it leases (aws-kcl's JS side,
// over stdin/stdout). It holds no model: each batch goes to the predictor that started the daemon,
// over its Unix socket (KCL_RELAY_SOCKET), and is checkpointed once the predictor has scored, written
// and logged it, so a killed predictor re-delivers at most the batch it had not acknowledged.
// Run by plain node (type stripping): it imports nothing of ours.
import http from 'node:http';
import kcl, { type Checkpointer } from 'aws-kcl';

const socketPath = process.env.KCL_RELAY_SOCKET;
const stream = process.env.KCL_RELAY_STREAM;
if (!socketPath || !stream) {
  process.stderr.write('kcl-relay: KCL_RELAY_SOCKET and KCL_RELAY_STREAM must be set (the predictor sets them)\n');
  process.exit(2);
}

let shardId = '';

function post(body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { socketPath, path: '/batch', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => (response.statusCode === 204 ? resolve() : reject(new Error(`predictor answered ${response.statusCode}: ${text}`))));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Until the predictor takes the batch: the KCL would go on to the next one, and the failed one would be lost. */
async function deliver(body: string): Promise<void> {
  for (let wait = 200; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await post(body);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The predictor is gone (its socket with it): stop, and let its daemon be taken down with it.
      if (code === 'ENOENT' || code === 'ECONNREFUSED') process.exit(1);
      process.stderr.write(`kcl-relay ${shardId}: batch not taken (${(error as Error).message}); retrying in ${wait} ms\n`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function checkpoint(checkpointer: Checkpointer, sequenceNumber: string | null, done: () => void): void {
  checkpointer.checkpoint(sequenceNumber, (error) => {
    // A failed checkpoint means a longer replay after a crash, not a loss: report it and go on.
    if (error) process.stderr.write(`kcl-relay ${shardId}: checkpoint failed: ${String(error)}\n`);
    done();
  });
}

kcl({
  initialize(input, done) {
    shardId = input.shardId;
    done();
  },
  processRecords(input, done) {
    const last = input.records.at(-1);
    if (!last) return done();
    const records = input.records.map((r) => ({ data: r.data, partitionKey: r.partitionKey, sequenceNumber: r.sequenceNumber, arrivedAt: r.approximateArrivalTimestamp }));
    void deliver(JSON.stringify({ stream, shardId, records })).then(() => checkpoint(input.checkpointer, last.sequenceNumber, done));
  },
  leaseLost(_input, done) {
    done();
  },
  // Parents are read to their end before children start: this checkpoint (SHARD_END) lets them.
  shardEnded(input, done) {
    checkpoint(input.checkpointer, null, done);
  },
  // Every delivered batch was acknowledged before the next came: the last one is safe to checkpoint.
  shutdownRequested(input, done) {
    checkpoint(input.checkpointer, null, done);
  },
}).run();
