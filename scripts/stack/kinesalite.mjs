// Starts kinesalite on loopback only (its own CLI listens on every interface), with a second,
// HTTP/2 cleartext listener on the same store for the Kinesis Client Library, whose Kinesis client
// speaks only HTTP/2 (the AWS SDK for JavaScript speaks HTTP/1.1).
// Usage: node kinesalite.mjs PORT PATH [H2_PORT]   (port 0: any free port; both addresses are printed)
import { createDecipheriv } from 'node:crypto';
import http2 from 'node:http2';
import { createRequire } from 'node:module';
import kinesalite from 'kinesalite';

const kinesaliteDb = createRequire(import.meta.url)('kinesalite/db');
const [port, path, h2Port] = process.argv.slice(2);
const server = kinesalite({ path, createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50 });
// kinesalite's one 'request' listener is its handler bound to the store.
const [handler] = server.listeners('request');

/** Stream and shard of one of kinesalite's shard iterators (its own format: AES over time/stream/shard/seq/...). */
function iteratorShard(iterator) {
  const buffer = Buffer.from(iterator, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', kinesaliteDb.ITERATOR_PWD_KEY, kinesaliteDb.ITERATOR_PWD_IV);
  const [, stream, shardId] = Buffer.concat([decipher.update(buffer.subarray(8)), decipher.final()]).toString('utf8').split('/');
  return { stream, shardId };
}

async function childShards(stream, shardId) {
  const response = await fetch(`http://127.0.0.1:${server.address().port}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.ListShards',
      'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ StreamName: stream }),
  });
  const { Shards = [] } = await response.json();
  return Shards.filter((s) => s.ParentShardId === shardId || s.AdjacentParentShardId === shardId).map((s) => ({
    ShardId: s.ShardId,
    ParentShards: [s.ParentShardId, s.AdjacentParentShardId].filter(Boolean),
    HashKeyRange: s.HashKeyRange,
  }));
}

// kinesalite predates ChildShards: at the end of a closed shard its GetRecords has no next iterator
// and no ChildShards, which the KCL (2.3+) takes as an invalid response and never ends the parent.
// The HTTP/2 listener (only the KCL's) adds them as Kinesis does.
function withChildShards(req, res) {
  if (!String(req.headers['x-amz-target'] ?? '').endsWith('.GetRecords')) return handler(req, res);
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  const end = res.end.bind(res);
  res.end = (body) => {
    let data;
    try {
      data = JSON.parse(String(body));
    } catch {
      return end(body);
    }
    if (res.statusCode !== 200 || data.NextShardIterator || !Array.isArray(data.Records) || data.ChildShards) return end(body);
    const { stream, shardId } = iteratorShard(JSON.parse(Buffer.concat(chunks).toString('utf8')).ShardIterator);
    childShards(stream, shardId).then(
      (children) => {
        const text = JSON.stringify({ ...data, ChildShards: children });
        res.setHeader('Content-Length', Buffer.byteLength(text));
        end(text);
      },
      () => end(body),
    );
    return res;
  };
  return handler(req, res);
}

const h2 = h2Port ? http2.createServer(withChildShards) : undefined;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`kinesalite listening at http://${address.address}:${address.port} (data ${path})`);
  h2?.listen(Number(h2Port), '127.0.0.1', () => console.log(`kinesalite HTTP/2 (h2c) listening at http://127.0.0.1:${h2.address().port}`));
});
process.on('SIGTERM', () => {
  h2?.close();
  server.close(() => process.exit(0));
});
