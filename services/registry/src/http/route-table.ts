import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import type { Logger } from '@churn/logger';
import { MlflowError } from '../errors.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { Stores } from '../store/stores.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface HandlerContext {
  stores: Stores;
  artifacts: ArtifactStore;
  log: Logger;
}

/** One REST endpoint: method, path under the MLflow prefix, request schema, handler returning the JSON body. */
export interface Route<S extends z.ZodType = z.ZodType> {
  method: Method;
  path: string;
  schema: S;
  handler: (input: z.infer<S>, ctx: HandlerContext) => Promise<object>;
}

export const route = <S extends z.ZodType>(method: Method, path: string, schema: S, handler: Route<S>['handler']): Route =>
  ({ method, path, schema, handler }) as unknown as Route;

/** The prefixes MLflow serves its REST API under (the 3.0 ones are what MLflow 3 clients call for newer endpoints). */
export const API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow', '/api/3.0/mlflow', '/ajax-api/3.0/mlflow'] as const;

/** Names the field and reason the way MLflow does, so clients show a useful message. */
export function validationError(error: z.ZodError): MlflowError {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || 'request';
  if (issue?.code === 'invalid_type' && (issue.input === undefined || issue.input === null)) {
    return new MlflowError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${field}'.`);
  }
  return new MlflowError('INVALID_PARAMETER_VALUE', `Invalid value for parameter '${field}': ${issue?.message ?? 'invalid'}`);
}

/** Serialises like protobuf JSON: non-finite doubles become "NaN", "Infinity", "-Infinity". */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? (Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity') : value,
  );
  res.status(status).type('application/json').send(text);
}

function requestInput(req: Request, method: Method): Record<string, unknown> {
  const query = (req.query ?? {}) as Record<string, unknown>;
  const params = req.params as Record<string, unknown>;
  if (method === 'GET') return { ...query, ...params };
  const body: unknown = req.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new MlflowError('MALFORMED_REQUEST', 'The request body must be a JSON object.');
  }
  return { ...query, ...(body as Record<string, unknown> | undefined), ...params };
}

export function mountRoutes(router: Router, routes: readonly Route[], ctx: HandlerContext): void {
  for (const prefix of API_PREFIXES) {
    for (const r of routes) {
      const method = r.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete' | 'put';
      router[method](`${prefix}${r.path}`, async (req: Request, res: Response) => {
        const parsed = r.schema.safeParse(requestInput(req, r.method));
        if (!parsed.success) throw validationError(parsed.error);
        const body = await r.handler(parsed.data, { ...ctx, log: (res.locals['log'] as Logger | undefined) ?? ctx.log });
        sendJson(res, 200, body);
      });
    }
  }
}
