/**
 * Thrown for every failed MLflow call: an error answer of the server (its `error_code` and HTTP
 * status), a connection failure (`CONNECTION_ERROR`, status 0) or a response we cannot read
 * (`BAD_RESPONSE`). Callers branch on `errorCode`, never on the message.
 */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  constructor(
    message: string,
    readonly errorCode: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when the server said the thing asked for does not exist. */
  get isNotFound(): boolean {
    return this.errorCode === 'RESOURCE_DOES_NOT_EXIST' || this.status === 404;
  }
}

/** Reads MLflow's error JSON ({"error_code", "message"}); other bodies keep their text. */
export function errorFromResponse(status: number, body: string, what: string): MlflowError {
  let errorCode = status >= 500 ? 'INTERNAL_ERROR' : status === 404 ? 'ENDPOINT_NOT_FOUND' : `HTTP_${status}`;
  let message = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { error_code?: unknown; message?: unknown };
    if (typeof parsed.error_code === 'string') errorCode = parsed.error_code;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status decides the code.
  }
  return new MlflowError(`${what}: ${status} ${errorCode}: ${message}`, errorCode, status);
}
