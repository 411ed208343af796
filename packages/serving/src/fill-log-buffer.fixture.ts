// Run by prediction-log.test.ts in a child process with the predictors' heap limit: fills a prediction
// log writer whose Mongo is down with N predictions built as /predict builds them, then prints the heap
// each one holds. Exits non-zero (V8 aborts) if they do not fit.
import { defaultContract, parseRequest } from '@churn/churn-data';
import { requestId } from '@churn/logger';
import { PredictionLogWriter } from './prediction-log.js';
import { customerRequests } from './testing.js';

const count = Number(process.argv[2]);
const gc = globalThis.gc as () => void;
const bodies = customerRequests(200);
const writer = new PredictionLogWriter({ insertMany: () => Promise.reject(new Error('Mongo is down')) }, { batchSize: 500, flushIntervalMs: 3_600_000, maxBuffered: count });
gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < count; i += 1) {
  const request = parseRequest(defaultContract(), JSON.parse(bodies[i % bodies.length] as string), 'json');
  if (!request.ok) throw new Error(request.message);
  writer.log({
    model_run_id: '8fdce268ff884e3c8ace887910a9462b',
    source: 'http',
    features: request.features,
    churn_chance: Math.random(),
    latency_ms: Math.random(),
    created_at: new Date(),
    request_id: requestId(undefined),
    ...(request.customerId !== undefined ? { customer_id: request.customerId } : {}),
  });
}
gc();
const bytesPerEntry = (process.memoryUsage().heapUsed - before) / count;
process.stdout.write(`${JSON.stringify({ buffered: writer.buffered, bytesPerEntry, heapUsedMb: process.memoryUsage().heapUsed / 1048576 })}\n`);
process.exit(0);
