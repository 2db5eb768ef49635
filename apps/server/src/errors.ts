import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An error that becomes `{ error: { code, message }, ...extra }` with its status code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message }, ...extra };
}

/** Route config key: limits reported with a 413 from this route. */
export interface PayloadLimits {
  maxOps: number;
  maxBytes: number;
}
declare module 'fastify' {
  interface FastifyContextConfig {
    payloadLimits?: PayloadLimits;
  }
}

/** How much of an over-limit body is read and dropped so its sender can read the 413. */
export const DISCARD_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reads and drops the rest of a request body, up to `maxBytes`: a client still writing when the
 * server answers and closes gets EPIPE instead of the answer. Resolves when the body ended, or once
 * past the bound (the caller then closes the connection anyway).
 */
function discardBody(raw: IncomingMessage, maxBytes: number): Promise<void> {
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      raw.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    raw.on('data', onData).on('end', done).on('error', done).on('close', done);
    raw.resume();
  });
}

/** Maps every error to the JSON error shape; 5xx are logged and never leak internals. */
export async function errorHandler(err: FastifyError | HttpError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof HttpError) {
    return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.extra));
  }
  const limits = req.routeOptions.config?.payloadLimits;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    await discardBody(req.raw, DISCARD_MAX_BYTES);
    return reply
      .status(413)
      .header('connection', 'close')
      .send(
        errorBody('too_large', `Request body is larger than ${limits?.maxBytes ?? 'allowed'} bytes`, {
          ...limits,
        }),
      );
  }
  if (err.validation) {
    return reply.status(400).send(errorBody('invalid_request', `Invalid request: ${err.message}`));
  }
  if (
    err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    err instanceof SyntaxError
  ) {
    return reply.status(400).send(errorBody('invalid_json', `Malformed JSON body: ${err.message}`));
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) {
    req.log.error({ err }, 'request failed');
    return reply.status(status).send(errorBody('internal', 'Internal server error'));
  }
  return reply.status(status).send(errorBody(codeForStatus(status), err.message));
}

function codeForStatus(status: number): string {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return 'bad_request';
  }
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send(errorBody('not_found', `No route ${req.method} ${req.url}`));
}
