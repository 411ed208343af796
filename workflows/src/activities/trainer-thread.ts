import { parentPort, workerData } from 'node:worker_threads';
import type { ChurnRow, DatasetSplit } from '@churn/churn-data';
import { runTrial, type TrialParams } from '@churn/training';
import { createEngine, type EngineKind, type Matrix, type XGBoostEngine } from '@churn/xgboost';

// The training thread of threadTrainer: trains one trial per message and answers with the model
// JSON, metrics and the training rows' predictions.

interface Request {
  id: number;
  datasetHash: string;
  split?: DatasetSplit<ChurnRow>;
  params: TrialParams;
  seed: number;
  numBoostRound: number;
  earlyStoppingRounds: number;
}

const splits = new Map<string, DatasetSplit<ChurnRow>>();
const trainMatrices = new WeakMap<object, Matrix>();
let engine: Promise<XGBoostEngine> | undefined;

parentPort?.on('message', (request: Request) => {
  void (async () => {
    try {
      if (request.split) splits.set(request.datasetHash, request.split);
      const split = splits.get(request.datasetHash);
      if (!split) throw new Error(`no split ${request.datasetHash} on the training thread`);
      engine ??= createEngine((workerData as { engineKind: EngineKind | 'auto' }).engineKind);
      const result = runTrial({ split, params: request.params, engine: await engine, seed: request.seed, numBoostRound: request.numBoostRound, earlyStoppingRounds: request.earlyStoppingRounds });
      try {
        let matrix = trainMatrices.get(result.preprocessor);
        if (!matrix) {
          matrix = result.preprocessor.transform(split.train);
          trainMatrices.set(result.preprocessor, matrix);
        }
        // A copy of our own: the engine's output may not be transferable.
        const trainPredictions = Float32Array.from(result.booster.predict(matrix.data, matrix.rows, matrix.cols));
        parentPort?.postMessage(
          { id: request.id, modelJson: result.booster.toModelJson(), bestIteration: result.bestIteration, metrics: result.metrics, durationMs: result.durationMs, trainPredictions },
          [trainPredictions.buffer],
        );
      } finally {
        result.booster.dispose();
      }
    } catch (error) {
      parentPort?.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
