import { parentPort, workerData } from 'node:worker_threads';
import { DatasetContract, type ChurnRow, type DatasetSplit } from '@churn/churn-data';
import { runTrial, type TrialParams } from '@churn/training';
import { createEngine, type EngineKind, type Matrix, type XGBoostEngine } from '@churn/xgboost';

// The training thread of threadTrainer: trains one trial per message and answers with the model
// JSON, metrics and the training and test rows' predictions.

interface Request {
  id: number;
  datasetHash: string;
  dataset?: { split: DatasetSplit<ChurnRow>; contract: string };
  params: TrialParams;
  seed: number;
  numBoostRound: number;
  earlyStoppingRounds: number;
}

const datasets = new Map<string, { split: DatasetSplit<ChurnRow>; contract: DatasetContract }>();
const trainMatrices = new WeakMap<object, Matrix>();
let engine: Promise<XGBoostEngine> | undefined;

parentPort?.on('message', (request: Request) => {
  void (async () => {
    try {
      if (request.dataset) {
        const contract = DatasetContract.parse(request.dataset.contract, `dataset ${request.datasetHash}`);
        datasets.set(request.datasetHash, { split: request.dataset.split, contract });
      }
      const dataset = datasets.get(request.datasetHash);
      if (!dataset) throw new Error(`no split ${request.datasetHash} on the training thread`);
      const { split, contract } = dataset;
      engine ??= createEngine((workerData as { engineKind: EngineKind | 'auto' }).engineKind);
      const result = runTrial({ contract, split, params: request.params, engine: await engine, seed: request.seed, numBoostRound: request.numBoostRound, earlyStoppingRounds: request.earlyStoppingRounds });
      try {
        let matrix = trainMatrices.get(result.preprocessor);
        if (!matrix) {
          matrix = result.preprocessor.transform(split.train);
          trainMatrices.set(result.preprocessor, matrix);
        }
        // A copy of our own: the engine's output may not be transferable.
        const trainPredictions = Float32Array.from(result.booster.predict(matrix.data, matrix.rows, matrix.cols));
        const testChances = Float32Array.from(result.testChances);
        parentPort?.postMessage(
          { id: request.id, modelJson: result.booster.toModelJson(), bestIteration: result.bestIteration, metrics: result.metrics, durationMs: result.durationMs, trainPredictions, testChances },
          [trainPredictions.buffer, testChances.buffer],
        );
      } finally {
        result.booster.dispose();
      }
    } catch (error) {
      parentPort?.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
