import type { FastifyInstance } from 'fastify';

/**
 * `GET /health`: JSON the engine recognises (a captive portal answers HTML instead). Checks the
 * database so a load balancer does not route to a server that cannot serve.
 */
export async function healthRoutes(app: FastifyInstance) {
  app.get('/health', async (_req, reply) => {
    try {
      await app.db.query('SELECT 1');
      return { status: 'ok', database: app.db.kind, time: new Date().toISOString() };
    } catch (err) {
      app.log.error({ err }, 'health check: database unreachable');
      return reply
        .status(503)
        .send({ status: 'unavailable', database: app.db.kind, time: new Date().toISOString() });
    }
  });
}
