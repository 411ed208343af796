import { loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { registryConfigSchema } from './config.js';
import { startRegistry } from './server.js';

const config = loadConfig(registryConfigSchema, { envFiles: [process.env['ENV_FILE'] ?? '.env.local'], exitOnError: true });
const log = createLogger('registry', { level: config.LOG_LEVEL });

process.on('unhandledRejection', (reason) => {
  log.fatal({ err: reason }, 'unhandled rejection');
  process.exit(1);
});

try {
  const registry = await startRegistry(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    registry.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  log.fatal({ err: error }, 'registry failed to start');
  process.exit(1);
}
