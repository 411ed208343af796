import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';
export { closeOnSignals } from './shutdown.js';

/** One JSON logger per process, tagged with the service name. */
export function createLogger(service: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** Request ids: keep the caller's X-Request-Id when it looks sane, otherwise mint one. */
export function requestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  if (value && /^[\w.:-]{1,128}$/.test(value)) return value;
  // randomUUID builds its string from 20 concatenated pieces (a ~480-byte tree in V8), which
  // matters for ids kept in the prediction log's buffer. toLowerCase copies it into one flat ~56-byte
  // string on Node 20 and 24 alike (reading a character flattened it on Node 20 only).
  return randomUUID().toLowerCase();
}
