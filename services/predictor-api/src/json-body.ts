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
 * A lean JSON body reader for the scoring routes: any content type, UTF-8, a byte limit (413), bad
 * JSON is a 400 naming the body. With `csv`, a text/csv body is kept as text in `{ csv }`. It skips body-parser's content-type and charset machinery, which
 * cost a noticeable share of a request that otherwise takes tens of microseconds.
 */
export function jsonBody(limitBytes: number, options: { csv?: boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding !== 'identity') return next(new HttpError(415, `unsupported content encoding ${encoding}`, '(body)'));
    if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
      req.resume();
      return next(new HttpError(413, 'request body too large', '(body)'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        next(new HttpError(413, 'request body too large', '(body)'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('error', (error) => {
      if (failed) return;
      failed = true;
      next(new HttpError(400, `request aborted: ${error.message}`, '(body)'));
    });
    req.once('end', () => {
      if (failed) return;
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      if (options.csv && /^text\/csv\b/i.test(req.headers['content-type'] ?? '')) {
        req.body = { csv: text };
        return next();
      }
      if (text.trim() === '') {
        req.body = undefined;
        return next();
      }
      try {
        req.body = JSON.parse(text) as unknown;
      } catch {
        return next(new HttpError(400, 'malformed JSON body', '(body)'));
      }
      next();
    });
  };
}
