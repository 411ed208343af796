import { timingSafeEqual } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { requestId, type Logger } from '@churn/logger';
import { MlflowError, type ErrorCode } from '../errors.js';
import { sendJson } from './route-table.js';

/** Tags each request with an id (kept from X-Request-Id when sane) and logs it once it finishes. */
export function requestLogging(log: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestId(req.headers['x-request-id']);
    const child = log.child({ requestId: id });
    res.locals['log'] = child;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      child[level]({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

const OPEN_PATHS = new Set(['/health', '/version', '/metrics']);

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Auth the way MLflow clients send it: basic (MLFLOW_TRACKING_USERNAME/PASSWORD) or bearer
 * (MLFLOW_TRACKING_TOKEN). Probes, Prometheus and server-info (which MLflow clients read before
 * they authenticate, and which holds no secrets) stay open.
 */
export function authentication(options: { username?: string | undefined; password?: string | undefined; token?: string | undefined }): RequestHandler {
  const basic = options.username && options.password ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}` : undefined;
  const bearer = options.token ? `Bearer ${options.token}` : undefined;
  return (req, res, next) => {
    if (!basic && !bearer) return next();
    if (OPEN_PATHS.has(req.path) || req.path.endsWith('/mlflow/server-info')) return next();
    const header = req.headers.authorization ?? '';
    if ((basic && same(header, basic)) || (bearer && same(header, bearer))) return next();
    res.setHeader('WWW-Authenticate', basic ? 'Basic realm="mlflow"' : 'Bearer');
    sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: 'You are not authenticated. Please provide valid credentials.' });
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendJson(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${req.method} ${req.path}` });
};

// PostgreSQL errors that mean the request was wrong or lost a race, not that the server broke.
const PG_CODES: Record<string, [ErrorCode, string]> = {
  '23505': ['RESOURCE_ALREADY_EXISTS', 'The resource already exists'],
  '23503': ['RESOURCE_DOES_NOT_EXIST', 'A referenced resource does not exist'],
  '22021': ['INVALID_PARAMETER_VALUE', 'A value contains bytes that are not valid text (such as NUL)'],
  '22P05': ['INVALID_PARAMETER_VALUE', 'A value contains characters that cannot be stored (such as NUL)'],
  '22003': ['INVALID_PARAMETER_VALUE', 'A number is out of range'],
  '22P02': ['INVALID_PARAMETER_VALUE', 'A value has the wrong format'],
  '54000': ['INVALID_PARAMETER_VALUE', 'A value is too large'],
};

function postgresError(error: unknown): MlflowError | undefined {
  const code = (error as { code?: unknown }).code;
  const known = typeof code === 'string' ? PG_CODES[code] : undefined;
  if (!known) return undefined;
  const detail = (error as { detail?: string }).detail;
  return new MlflowError(known[0], detail ? `${known[1]}: ${detail}` : known[1]);
}

/** The one place errors become responses: MlflowError by its code, body-parser errors as 4xx, the rest 500. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const reqLog = (res.locals['log'] as Logger | undefined) ?? log;
    let mapped: MlflowError;
    if (error instanceof MlflowError) {
      mapped = error;
    } else {
      const e = error as { type?: string; status?: number; message?: string; limit?: number };
      if (e.type === 'entity.too.large') mapped = new MlflowError('RESOURCE_LIMIT_EXCEEDED', `Request body is larger than the limit of ${e.limit} bytes.`, { status: 413 });
      else if (e.type === 'entity.parse.failed') mapped = new MlflowError('MALFORMED_REQUEST', `Malformed JSON in the request body: ${e.message}`);
      else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) mapped = new MlflowError('BAD_REQUEST', e.message ?? 'Bad request', { status: e.status });
      else if (postgresError(error)) mapped = postgresError(error) as MlflowError;
      else {
        reqLog.error({ err: error }, 'unhandled error');
        mapped = new MlflowError('INTERNAL_ERROR', 'Internal error');
      }
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, mapped.status, mapped.toJSON());
  };
}
