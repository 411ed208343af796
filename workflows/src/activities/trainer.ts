import { Worker } from 'node:worker_threads';
import type { ChurnRow, DatasetContract, DatasetSplit } from '@churn/churn-data';
import { Preprocessor, type Metrics } from '@churn/model';
import { runTrial, type TrialParams } from '@churn/training';
import type { Booster, EngineKind, Matrix, XGBoostEngine } from '@churn/xgboost';

export interface TrainInput {
  datasetHash: string;
  contract: DatasetContract;
  split: DatasetSplit<ChurnRow>;
  params: TrialParams;
  seed: number;
  numBoostRound: number;
  earlyStoppingRounds: number;
}

/** A trained trial reduced to what the model directory and the registry need. */
export interface TrainedTrial {
  /** Serialises like a booster for writeModelDir; predicting happened where it was trained. */
  booster: Booster;
  preprocessor: Preprocessor;
  metrics: { validation: Metrics; test: Metrics };
  bestIteration?: number;
  durationMs: number;
  /** The model's churn chance for every training row, in split order (for reference.json). */
  trainPredictions: Float32Array;
  /** The same for every test row (for test-predictions.json). */
  testChances: Float32Array;
}

export interface TrialTrainer {
  train(input: TrainInput): Promise<TrainedTrial>;
  close(): Promise<void>;
}

const modelBooster = (modelJson: string, bestIteration: number | undefined): Booster => ({
  toModelJson: () => modelJson,
  bestIteration,
  predict: () => {
    throw new Error('a trained trial only serialises its model; load model.json to predict');
  },
  dispose: () => undefined,
});

/** Trains on the calling thread: simple, but the event loop stops while XGBoost runs (tests, benches). */
export function inProcessTrainer(engine: XGBoostEngine): TrialTrainer {
  const trainMatrices = new WeakMap<object, Matrix>();
  return {
    async train({ contract, split, params, seed, numBoostRound, earlyStoppingRounds }) {
      const result = runTrial({ contract, split, params, engine, seed, numBoostRound, earlyStoppingRounds });
      try {
        let matrix = trainMatrices.get(result.preprocessor);
        if (!matrix) {
          matrix = result.preprocessor.transform(split.train);
          trainMatrices.set(result.preprocessor, matrix);
        }
        const trainPredictions = result.booster.predict(matrix.data, matrix.rows, matrix.cols);
        return {
          booster: modelBooster(result.booster.toModelJson(), result.bestIteration),
          preprocessor: result.preprocessor,
          metrics: result.metrics,
          ...(result.bestIteration !== undefined ? { bestIteration: result.bestIteration } : {}),
          durationMs: result.durationMs,
          trainPredictions,
          testChances: result.testChances,
        };
      } finally {
        result.booster.dispose();
      }
    },
    close: async () => undefined,
  };
}

interface ThreadReply {
  id: number;
  error?: string;
  modelJson?: string;
  bestIteration?: number;
  metrics?: TrainedTrial['metrics'];
  durationMs?: number;
  trainPredictions?: Float32Array;
  testChances?: Float32Array;
}

/**
 * Trains on a worker thread, one trial at a time, so the activity thread keeps heartbeating and
 * logging earlier trials to the registry while the next model trains.
 */
export function threadTrainer(engineKind: EngineKind | 'auto'): TrialTrainer {
  const pending = new Map<number, { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void }>();
  const sent = new Set<string>();
  const preprocessors = new Map<string, Preprocessor>();
  let next = 0;
  let closing = false;

  // A thread that died (a crash in native code) fails its trials, which Temporal retries, and is
  // replaced on the next trial.
  const spawn = (): Worker => {
    const worker = new Worker(new URL('./trainer-thread-boot.mjs', import.meta.url), { workerData: { engineKind } });
    worker.unref();
    worker.on('message', (reply: ThreadReply) => {
      pending.get(reply.id)?.resolve(reply);
      pending.delete(reply.id);
    });
    worker.on('exit', (code) => {
      if (thread === worker) thread = undefined;
      sent.clear();
      for (const { reject } of pending.values()) reject(new Error(`training thread exited (code ${code})`));
      pending.clear();
    });
    return worker;
  };
  let thread: Worker | undefined = spawn();

  return {
    async train(input) {
      const id = (next += 1);
      // The split (and its contract, as YAML: the class does not cross threads) goes to the thread once per dataset; later trials name it by hash.
      const dataset = sent.has(input.datasetHash) ? undefined : { split: input.split, contract: input.contract.toYaml() };
      sent.add(input.datasetHash);
      const reply = await new Promise<ThreadReply>((resolve, reject) => {
        if (closing) throw new Error('the trainer is closed');
        thread ??= spawn();
        pending.set(id, { resolve, reject });
        thread.postMessage({ id, datasetHash: input.datasetHash, dataset, params: input.params, seed: input.seed, numBoostRound: input.numBoostRound, earlyStoppingRounds: input.earlyStoppingRounds });
      });
      if (reply.error !== undefined || reply.modelJson === undefined || !reply.metrics || !reply.trainPredictions || !reply.testChances) {
        throw new Error(`training thread: ${reply.error ?? 'incomplete reply'}`);
      }
      // Preprocessor.fit is deterministic: the same fit the thread trained with.
      let preprocessor = preprocessors.get(input.datasetHash);
      if (!preprocessor) {
        preprocessor = Preprocessor.fit(input.contract, input.split.train);
        preprocessors.set(input.datasetHash, preprocessor);
      }
      return {
        booster: modelBooster(reply.modelJson, reply.bestIteration),
        preprocessor,
        metrics: reply.metrics,
        ...(reply.bestIteration !== undefined ? { bestIteration: reply.bestIteration } : {}),
        durationMs: reply.durationMs ?? 0,
        trainPredictions: reply.trainPredictions,
        testChances: reply.testChances,
      };
    },
    async close() {
      closing = true;
      await thread?.terminate();
    },
  };
}
