import { MlflowError, errorFromResponse } from './errors.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  trackingUri: string;
  username?: string;
  password?: string;
  token?: string;
  fetch?: FetchLike;
  /** Extra tries after the first for idempotent calls (default 4). */
  maxRetries?: number;
  /** First backoff delay; doubles per try, with jitter (default 250 ms). */
  backoffMs?: number;
  /** Per-request timeout (default 120 s: artifact transfers can be large). */
  timeoutMs?: number;
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** Path after the tracking URI, e.g. `/api/2.0/mlflow/runs/get`. */
  path: string;
  query?: Record<string, string | number | readonly string[] | undefined>;
  json?: unknown;
  body?: Uint8Array | string;
  /** Safe to send again after a lost answer; only these are retried. */
  idempotent: boolean;
}

// MLflow's own clients retry the same statuses.
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** HTTP to an MLflow server: auth headers, timeouts, retries with backoff, MLflow error parsing. */
export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly authorization: string | undefined;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(options: TransportOptions) {
    this.baseUrl = options.trackingUri.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.baseUrl)) {
      throw new MlflowError(`trackingUri must be an http(s) URL, got "${options.trackingUri}"`, 'INVALID_PARAMETER_VALUE', 0);
    }
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.authorization = options.token
      ? `Bearer ${options.token}`
      : options.username !== undefined
        ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`
        : undefined;
    this.maxRetries = options.maxRetries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  url(path: string, query?: CallOptions['query']): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      // Repeated fields (order_by) go as repeated keys, as MLflow's servers read them.
      for (const one of typeof value === 'object' ? value : [value]) search.append(key, String(one));
    }
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Sends the call and returns the response body as bytes; throws MlflowError otherwise. */
  async raw(call: CallOptions): Promise<Buffer> {
    const url = this.url(call.path, call.query);
    const what = `${call.method} ${call.path}`;
    const headers: Record<string, string> = {};
    if (this.authorization) headers.authorization = this.authorization;
    let body: string | Uint8Array | undefined;
    if (call.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = call.body;
    }
    const tries = call.idempotent ? this.maxRetries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, { method: call.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (cause) {
        if (attempt < tries) {
          await this.pause(attempt);
          continue;
        }
        throw new MlflowError(`${what}: cannot reach ${this.baseUrl}: ${(cause as Error).message}`, 'CONNECTION_ERROR', 0, { cause });
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      if (response.ok) return bytes;
      if (attempt < tries && RETRY_STATUSES.has(response.status)) {
        await this.pause(attempt, response.headers.get('retry-after'));
        continue;
      }
      throw errorFromResponse(response.status, bytes.toString('utf8'), what);
    }
  }

  /** A JSON call; an empty body (as MLflow sends for some endpoints) reads as {}. */
  async json(call: CallOptions): Promise<unknown> {
    const bytes = await this.raw(call);
    if (bytes.length === 0) return {};
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch (cause) {
      throw new MlflowError(`${call.method} ${call.path}: the answer is not JSON`, 'BAD_RESPONSE', 200, { cause });
    }
  }

  private async pause(attempt: number, retryAfter?: string | null): Promise<void> {
    const hinted = retryAfter ? Number(retryAfter) * 1000 : NaN;
    const exponential = this.backoffMs * 2 ** (attempt - 1);
    const delay = Number.isFinite(hinted) ? Math.min(hinted, 30_000) : exponential * (0.5 + Math.random() / 2);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
