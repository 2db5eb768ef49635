import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody } from './errors';

const hasBody = (req: FastifyRequest) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * A request body must arrive within `ms` of its headers, else 408 and the connection is closed: a
 * client that sends headers and stalls (or trickles) its body holds no socket for long. Routes whose
 * handler reads the body itself (`exempt`, the dev media upload) are bounded by the request timeout.
 */
export function installBodyTimeout(app: FastifyInstance, ms: number, exempt: (url: string) => boolean) {
  const timers = new WeakMap<FastifyRequest, NodeJS.Timeout>();
  app.addHook('onRequest', async (req, reply) => {
    if (!hasBody(req) || exempt(req.url)) return;
    const timer = setTimeout(() => {
      req.log.warn({ bodyTimeoutMs: ms }, 'request body not received in time; closing the connection');
      reply.raw.once('finish', () => req.raw.socket?.destroy());
      if (reply.sent) req.raw.socket?.destroy();
      else
        reply
          .code(408)
          .header('connection', 'close')
          .send(errorBody('body_timeout', `The request body did not arrive within ${ms} ms`));
    }, ms);
    timer.unref();
    timers.set(req, timer);
  });
  const clear = async (req: FastifyRequest) => {
    clearTimeout(timers.get(req));
    timers.delete(req);
  };
  app.addHook('preValidation', clear);
  app.addHook('onResponse', clear);
  app.addHook('onRequestAbort', clear);
}
