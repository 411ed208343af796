import { loadConfig } from '@churn/config';
import { closeOnSignals, createLogger } from '@churn/logger';
import { registryConfigSchema } from './config.js';
import { startRegistry } from './server.js';

const config = loadConfig(registryConfigSchema, { envFiles: [process.env['ENV_FILE'] ?? '.env.local'], exitOnError: true });
const log = createLogger('registry', { level: config.LOG_LEVEL });

process.on('unhandledRejection', (reason) => {
  log.fatal({ err: reason }, 'unhandled rejection');
  process.exit(1);
});

try {
  closeOnSignals(await startRegistry(config, log), log, 10_000);
} catch (error) {
  log.fatal({ err: error }, 'registry failed to start');
  process.exit(1);
}
