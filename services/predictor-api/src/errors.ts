import type { ErrorRequestHandler } from 'express';
import type { Logger } from '@churn/logger';
import { ModelNotReadyError } from '@churn/serving';
import type { z } from 'zod';
import { describeIssue } from '@churn/churn-data';

/** Every failure the API answers on purpose: a status, a message, and the request field at fault. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  static fromZod(error: z.ZodError, prefix = ''): HttpError {
    const { field, message } = describeIssue(error);
    const full = prefix ? `${prefix}.${field}` : field;
    return new HttpError(400, prefix ? `${prefix}.${message}` : message, full);
  }
}

/** body-parser's error types for bad bodies: all are the client's fault. */
const BODY_ERRORS: Record<string, [number, string]> = {
  'entity.too.large': [413, 'request body too large'],
  'entity.parse.failed': [400, 'malformed JSON body'],
  'entity.verify.failed': [400, 'invalid body'],
  'encoding.unsupported': [415, 'unsupported content encoding'],
  'charset.unsupported': [415, 'unsupported charset'],
  'request.aborted': [400, 'request aborted'],
  'request.size.invalid': [400, 'request size did not match Content-Length'],
  'stream.encoding.set': [500, 'stream encoding set'],
};

export interface ErrorResponse {
  status: number;
  body: { error: string; field?: string };
}

/** The one place errors become responses: `{ error, field? }`, 4xx for input, 503 before a model, 500 otherwise. */
export function errorResponse(error: unknown, logger: Logger): ErrorResponse {
  if (error instanceof HttpError) return { status: error.status, body: { error: error.message, ...(error.field ? { field: error.field } : {}) } };
  if (error instanceof ModelNotReadyError) return { status: 503, body: { error: 'no model loaded yet' } };
  const type = (error as { type?: string }).type;
  const known = type ? BODY_ERRORS[type] : undefined;
  if (known && known[0] < 500) return { status: known[0], body: { error: known[1], field: '(body)' } };
  const status = (error as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, body: { error: (error as Error).message || 'bad request' } };
  logger.error({ err: error }, 'unhandled error');
  return { status: 500, body: { error: 'internal error' } };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, body } = errorResponse(error, logger);
    res.status(status).json(body);
  };
}
