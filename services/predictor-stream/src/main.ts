import { closeOnSignals, createLogger } from '@churn/logger';
import { envFilePath } from '@churn/serving';
import { loadPredictorStreamConfig } from './config.js';
import { startStreamPredictor } from './server.js';

const envFile = envFilePath();
const config = loadPredictorStreamConfig(envFile);
const logger = createLogger('predictor-stream', { level: config.LOG_LEVEL });

try {
  // A stream batch may be mid-write with retries: give it longer than an HTTP request.
  closeOnSignals(await startStreamPredictor({ envFile, config, logger }), logger, 30_000);
} catch (error) {
  logger.fatal({ err: error }, 'predictor-stream failed to start');
  process.exit(1);
}
