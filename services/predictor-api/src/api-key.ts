import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** The header clients send the key in (node lowercases incoming header names). */
const API_KEY_HEADER = 'x-api-key';

// Probes and Prometheus reach these on the internal network only: the cloud nginx does not forward
// them, so they stay open without a key.
const OPEN_PATHS = new Set(['/health', '/metrics']);

const sameKey = (given: string, expected: Buffer) => {
  const bytes = Buffer.from(given);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
};

/** Wraps the predictor's listener so every route but the probes answers 401 without the right key. */
export function requireApiKey(key: string, next: RequestListener): RequestListener {
  const expected = Buffer.from(key);
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const given = req.headers[API_KEY_HEADER];
    if (OPEN_PATHS.has(path) || (typeof given === 'string' && sameKey(given, expected))) {
      next(req, res);
      return;
    }
    // Drain the body so a keep-alive connection stays usable for the client's next (keyed) request.
    req.resume();
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'ApiKey header="X-API-Key"' });
    res.end(JSON.stringify({ error: 'missing or wrong X-API-Key header' }));
  };
}
