import { invalid } from '../errors.js';

// Offset tokens, base64 JSON like MLflow's own ({"offset": N}), so they stay opaque to clients.
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through to the error below
  }
  throw invalid(`invalid page_token '${token}'`);
}

/** Given rows fetched with limit+1, the next token when there were more. */
export function nextToken(fetched: number, limit: number, offset: number): string | undefined {
  return fetched > limit ? encodePageToken(offset + limit) : undefined;
}
