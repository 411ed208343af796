import { createLogger } from '@churn/logger';
import { envFilePath } from '@churn/serving';
import { loadPredictorStreamConfig } from './config.js';
import { startStreamPredictor } from './server.js';

const envFile = envFilePath();
const config = loadPredictorStreamConfig(envFile);
const logger = createLogger('predictor-stream', { level: config.LOG_LEVEL });

try {
  const predictor = await startStreamPredictor({ envFile, config, logger });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
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
  logger.fatal({ err: error }, 'predictor-stream failed to start');
  process.exit(1);
}
