// The ceiling for the /predict benchmark: Express 5 answering a constant, no parsing, no model.
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/predict', (_req, res) => {
  res.json({ 'churn chance': 0.5, model_run_id: 'constant' });
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
