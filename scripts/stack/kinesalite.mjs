// Starts kinesalite on loopback only: its own CLI listens on every interface.
// Usage: node kinesalite.mjs PORT PATH
import kinesalite from 'kinesalite';

const [port, path] = process.argv.slice(2);
const server = kinesalite({ path, createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50 }).listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`kinesalite listening at http://${address.address}:${address.port} (data ${path})`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
