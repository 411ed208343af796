import { closeOnSignals, createLogger } from '@churn/logger';
import { envFilePath } from '@churn/serving';
import { loadPredictorApiConfig } from './config.js';
import { start } from './server.js';

const envFile = envFilePath();
const config = loadPredictorApiConfig(envFile);
const logger = createLogger('predictor-api', { level: config.LOG_LEVEL });

try {
  closeOnSignals(await start({ envFile, config, logger }), logger, 15_000);
} catch (error) {
  logger.fatal({ err: error }, 'predictor-api failed to start');
  process.exit(1);
}
