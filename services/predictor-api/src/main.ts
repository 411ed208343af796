import { createLogger } from '@churn/logger';
import { envFilePath } from '@churn/serving';
import { loadPredictorApiConfig } from './config.js';
import { start } from './server.js';

const envFile = envFilePath();
const config = loadPredictorApiConfig(envFile);
const logger = createLogger('predictor-api', { level: config.LOG_LEVEL });

try {
  const predictor = await start({ envFile, config, logger });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    predictor.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, 'predictor-api failed to start');
  process.exit(1);
}
