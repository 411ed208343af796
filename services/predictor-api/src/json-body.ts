import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `512kb`, `1mb` -> bytes (the config schema has already checked the format). */
export function parseSize(size: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: ${size}`);
  return Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1);
}

/**
 * Reads a request body as UTF-8 text under a byte limit (413), refusing compressed bodies (415).
 * `done` is called exactly once.
 */
export function readBody(req: IncomingMessage, limitBytes: number, done: (error: HttpError | undefined, text: string) => void): void {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    req.resume();
    return done(new HttpError(415, `unsupported content encoding ${encoding}`, '(body)'), '');
  }
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
    req.resume();
    return done(new HttpError(413, 'request body too large', '(body)'), '');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: HttpError | undefined, text = '') => {
    if (finished) return;
    finished = true;
    done(error, text);
  };
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limitBytes) return finish(new HttpError(413, 'request body too large', '(body)'));
    chunks.push(chunk);
  });
  req.once('error', (error) => finish(new HttpError(400, `request aborted: ${error.message}`, '(body)')));
  req.once('end', () => finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
}

/** JSON text -> value; blank is undefined (the routes answer "empty body"), bad JSON a 400 naming the body. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'malformed JSON body', '(body)');
  }
}

/**
 * A lean body reader for /invocations: a text/csv body is kept as text in `{ csv }`, any other
 * content type is read as JSON, so `curl -d` without a header works. It skips body-parser's
 * content-type and charset machinery, which costs a noticeable share of a scoring request.
 */
export function jsonOrCsvBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    readBody(req, limitBytes, (error, text) => {
      if (error) return next(error);
      if (/^text\/csv\b/i.test(req.headers['content-type'] ?? '')) {
        req.body = { csv: text };
        return next();
      }
      try {
        req.body = parseJsonBody(text);
      } catch (parseError) {
        return next(parseError);
      }
      next();
    });
  };
}
