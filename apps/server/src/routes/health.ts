import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.String(),
  time: Type.String(),
});

/**
 * `GET /health`: JSON the engine recognises (a captive portal answers HTML instead). Checks the
 * database so a load balancer does not route to a server that cannot serve.
 */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', { schema: { response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    try {
      await app.db.query('SELECT 1');
      return { status: 'ok' as const, database: app.db.kind, time: new Date().toISOString() };
    } catch (err) {
      app.log.error({ err }, 'health check: database unreachable');
      return reply
        .status(503)
        .send({ status: 'unavailable', database: app.db.kind, time: new Date().toISOString() });
    }
  });
};
