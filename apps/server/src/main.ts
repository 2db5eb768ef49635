import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { ConfigError, describeMode, loadConfig } from './config';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
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
  await app.listen({ port: config.port, host: config.host });
  console.log(`VHD server listening on ${config.publicUrl} — ${describeMode(config)}`);
}

await main();
