import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { ConfigError, describeMode, loadConfig } from './config';

async function main() {
  const config = loadConfig();
  const pretty = process.stdout.isTTY && config.nodeEnv !== 'production';
  const app = await buildApp({
    config,
    logger: {
      level: config.logLevel,
      ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
    },
  });
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  const address = await app.listen({ port: config.port, host: config.host });
  const reachable = config.publicUrl === address ? '' : ` (public URL ${config.publicUrl})`;
  console.log(`VHD server listening on ${address}${reachable} — ${describeMode(config)}`);
}

try {
  await main();
} catch (err) {
  // A bad configuration is explained in one message; anything else keeps its stack.
  console.error(err instanceof ConfigError ? err.message : err);
  console.error('VHD server did not start.');
  process.exit(1);
}
