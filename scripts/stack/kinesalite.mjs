// Starts kinesalite on loopback only (its own CLI listens on every interface), with a second,
// HTTP/2 cleartext listener on the same store: the Kinesis Client Library's Kinesis client speaks
// only HTTP/2, the AWS SDK for JavaScript only HTTP/1.1.
// Usage: node kinesalite.mjs PORT PATH [H2_PORT]
import http2 from 'node:http2';
import kinesalite from 'kinesalite';

const [port, path, h2Port] = process.argv.slice(2);
const server = kinesalite({ path, createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50 });
// kinesalite's one 'request' listener is its handler bound to the store.
const [handler] = server.listeners('request');
const h2 = h2Port ? http2.createServer(handler) : undefined;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`kinesalite listening at http://${address.address}:${address.port} (data ${path})`);
  h2?.listen(Number(h2Port), '127.0.0.1', () => console.log(`kinesalite HTTP/2 (h2c) listening at http://127.0.0.1:${h2.address().port}`));
});
process.on('SIGTERM', () => {
  h2?.close();
  server.close(() => process.exit(0));
});
