// Run by shutdown.test.ts: a service closed on signals (grace and close time from argv); prints each close.
import { closeOnSignals } from './shutdown.js';
import { createLogger } from './index.js';

const graceMs = Number(process.argv[2]);
const closeMs = Number(process.argv[3]);
closeOnSignals({ close: () => (process.stdout.write('close\n'), new Promise((resolve) => setTimeout(resolve, closeMs))) }, createLogger('fixture', { level: 'silent' }), graceMs);
process.stdout.write('ready\n');
setInterval(() => undefined, 1_000);
