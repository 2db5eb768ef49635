// The server in a child process, for trials that SIGKILL it (ServerProcess starts and restarts it).
// It is configured from the environment as in production (DATA_DIR, PORT, DATABASE_URL, …); the IPC
// channel lets the simulation query its database (PGlite cannot be shared between processes), wait
// for its webhooks and arm its fault points.
import { buildApp, loadConfig } from '@vhd/server';
import { armFaultPoint, disarmFaultPoints } from '@vhd/server/testing';
import type { ServerChildMessage, ServerRequest, ServerRequestMessage } from './serverProtocol';

const send = (message: ServerChildMessage) => process.send?.(message);
if (!process.send) {
  process.stderr.write('serverChild: needs an IPC channel (start it with ServerProcess)\n');
  process.exit(2);
}

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  const config = loadConfig();
  app = await buildApp({ config });
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${err instanceof Error ? err.stack : message}\n`);
  send({ kind: 'failed', message });
  process.exit(1);
}

async function handle(request: ServerRequest): Promise<unknown> {
  switch (request.type) {
    case 'query':
      return app.db.query(request.sql, request.params);
    case 'notificationsIdle':
      await app.devMediaStore?.notificationsIdle();
      return null;
    case 'mediaMaxBytes': {
      const media = app.devMediaStore;
      if (!media) throw new Error('the simulation needs the dev media store (no CLOUDINARY_URL)');
      return (await media.limits()).maxBytes;
    }
    case 'arm':
      armFaultPoint(request.point, request.nth, request.action);
      return null;
    case 'disarm':
      disarmFaultPoints();
      return null;
    case 'close':
      await app.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (m: ServerRequestMessage) => {
  handle(m).then(
    (value) => send({ kind: 'result', id: m.id, ok: true, value }),
    (err: unknown) =>
      send({
        kind: 'result',
        id: m.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      }),
  );
});
// The simulation went away without closing us: do not outlive it.
process.on('disconnect', () => process.exit(0));
send({ kind: 'ready' });
