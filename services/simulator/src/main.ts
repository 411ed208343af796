import { createKinesisClient } from '@churn/aws';
import { createLogger } from '@churn/logger';
import { startOpsServer } from '@churn/serving';
import { Registry } from 'prom-client';
import { loadSimulatorConfig } from './config.js';
import { createSimulatorMetrics } from './metrics.js';
import { replayRows } from './rows.js';
import { Simulator } from './simulator.js';

const config = loadSimulatorConfig();
const logger = createLogger('simulator', { level: config.LOG_LEVEL });

try {
  const { rows, labels } = await replayRows(config.contract, config.SIMULATOR_ROWS, config, config.SIMULATOR_DATASET);
  const registry = new Registry();
  const metrics = createSimulatorMetrics(registry);
  const kinesis = config.SIMULATOR_TARGETS.includes('stream') ? createKinesisClient(config) : undefined;
  const simulator = new Simulator({
    rows,
    targets: config.SIMULATOR_TARGETS,
    ratePerSec: config.SIMULATOR_RATE_PER_SEC,
    predictorUrl: config.SIMULATOR_PREDICTOR_URL,
    ...(config.PREDICTOR_API_KEY ? { predictorApiKey: config.PREDICTOR_API_KEY } : {}),
    ...(kinesis ? { kinesis } : {}),
    predictionsStream: config.PREDICTIONS_STREAM,
    resultsStream: config.RESULTS_STREAM,
    drift: config.SIMULATOR_DRIFT,
    driftAfterMs: config.SIMULATOR_DRIFT_AFTER,
    maxRecords: config.SIMULATOR_MAX_RECORDS,
    maxInFlight: config.SIMULATOR_MAX_IN_FLIGHT,
    seed: config.SIMULATOR_SEED,
    ...(config.SIMULATOR_OUTCOME_SHARE > 0
      ? {
          outcomes: {
            labels,
            share: config.SIMULATOR_OUTCOME_SHARE,
            delayMs: config.SIMULATOR_OUTCOME_DELAY,
            ...(config.SIMULATOR_CONCEPT_DRIFT ? { conceptDrift: config.SIMULATOR_CONCEPT_DRIFT } : {}),
            outcomesStream: config.OUTCOMES_STREAM,
          },
        }
      : {}),
    metrics,
    logger,
  });
  const ops = await startOpsServer({ port: config.SIMULATOR_PORT, host: config.SIMULATOR_HOST, registry, health: () => ({ ok: true, body: { status: 'ok', sent: simulator.sent } }) });
  await simulator.start();
  logger.info({ port: ops.port, dataset: config.contract.name, rows: rows.length }, 'simulator running');
  const shutdown = async (reason: string) => {
    logger.info({ reason }, 'stopping');
    await simulator.stop();
    await ops.close();
    kinesis?.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await simulator.finished;
  if (config.SIMULATOR_MAX_RECORDS > 0) await shutdown('sent SIMULATOR_MAX_RECORDS');
} catch (error) {
  logger.fatal({ err: error }, 'simulator failed');
  process.exit(1);
}
