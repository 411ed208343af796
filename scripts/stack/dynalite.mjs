// Starts dynalite (DynamoDB, for the Kinesis Client Library's lease tables) on loopback only.
// Usage: node dynalite.mjs PORT PATH
import dynalite from 'dynalite';

const [port, path] = process.argv.slice(2);
const server = dynalite({ path, createTableMs: 50, deleteTableMs: 50, updateTableMs: 50 }).listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`dynalite listening at http://${address.address}:${address.port} (data ${path})`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
