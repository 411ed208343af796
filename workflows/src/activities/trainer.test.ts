import { defaultContract, loadCleanDataset, splitDataset } from '@churn/churn-data';
import { createEngine } from '@churn/xgboost';
import { inProcessTrainer, threadTrainer } from './trainer.js';

const split = splitDataset(loadCleanDataset().rows.slice(0, 2_000), 42);
const input = { datasetHash: 'h', contract: defaultContract(), split, params: { max_depth: 4, eta: 0.2, subsample: 0.9, colsample_bytree: 0.8, min_child_weight: 1, lambda: 1 }, seed: 42, numBoostRound: 60, earlyStoppingRounds: 10 };

describe('threadTrainer', () => {
  it('when a trial trains on the worker thread, then it gives the same model, metrics and predictions as on the calling thread', async () => {
    const threaded = threadTrainer('auto');
    try {
      const [a, b] = [await threaded.train(input), await threaded.train(input)];
      const local = await inProcessTrainer(await createEngine('auto')).train(input);
      expect(a.metrics).toEqual(local.metrics);
      expect(a.booster.toModelJson()).toBe(local.booster.toModelJson());
      expect(Array.from(a.trainPredictions)).toEqual(Array.from(local.trainPredictions));
      expect(a.trainPredictions).toHaveLength(split.train.length);
      expect(a.preprocessor.toJSON()).toEqual(local.preprocessor.toJSON());
      // The second trial reuses the split already on the thread.
      expect(b.metrics).toEqual(a.metrics);
    } finally {
      await threaded.close();
    }
  }, 60_000);
});
