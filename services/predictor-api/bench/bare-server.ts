// The ceilings for the /predict benchmark: a constant answer, no parsing, no model. `express` (the
// default) is Express 5 as an app would write it; `node` is node:http alone, the transport /predict
// itself runs on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

const ANSWER = { 'churn chance': 0.5, model_run_id: 'constant' };

function expressServer(): Server {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.post('/predict', (_req, res) => {
    res.json(ANSWER);
  });
  return createServer(app);
}

function nodeServer(): Server {
  return createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      const text = JSON.stringify(ANSWER);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
}

const server = process.argv[2] === 'node' ? nodeServer() : expressServer();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
