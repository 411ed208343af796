import { defaultContract, type FeatureRow } from '@churn/churn-data';
import { ModelHolder, ModelNotReadyError, type ServableModel } from './model-holder.js';

class FakeModel implements ServableModel {
  disposed = false;
  readonly contract = defaultContract();
  constructor(readonly value: number) {}
  predict(rows: FeatureRow[]): Float64Array {
    if (this.disposed) throw new Error('predict on a disposed model');
    return new Float64Array(rows.length).fill(this.value);
  }
  dispose(): void {
    this.disposed = true;
  }
}

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ModelHolder', () => {
  it('when nothing is loaded, then use() throws ModelNotReadyError and ready is false', () => {
    const holder = new ModelHolder(async () => new FakeModel(1));
    expect(holder.ready).toBe(false);
    expect(() => holder.use(() => 1)).toThrow(ModelNotReadyError);
  });

  it('when a new run is loading, then requests keep using the old model until the load completes', async () => {
    const models = { a: new FakeModel(0.1), b: new FakeModel(0.2) };
    const gate = deferred<void>();
    const holder = new ModelHolder(async (runId) => {
      if (runId === 'b') await gate.promise;
      return models[runId as 'a' | 'b'];
    });
    await holder.load('a');
    const swap = holder.load('b');
    expect(holder.use(({ runId, model }) => [runId, model.predict([{} as FeatureRow])[0]])).toEqual(['a', 0.1]);
    gate.resolve();
    await swap;
    expect(holder.use(({ runId }) => runId)).toBe('b');
    expect(models.a.disposed).toBe(true);
  });

  it('when a swap happens during an async use, then the old model is disposed only after that use finishes', async () => {
    const models = { a: new FakeModel(0.1), b: new FakeModel(0.2) };
    const holder = new ModelHolder(async (runId) => models[runId as 'a' | 'b']);
    await holder.load('a');
    const release = deferred<void>();
    const inFlight = holder.use(async ({ model }) => {
      await release.promise;
      return model.predict([{} as FeatureRow])[0];
    });
    await holder.load('b');
    expect(models.a.disposed).toBe(false);
    release.resolve();
    await expect(inFlight).resolves.toBe(0.1);
    expect(models.a.disposed).toBe(true);
  });

  it('when a load fails, then the current model keeps serving and a later load still works', async () => {
    const holder = new ModelHolder(async (runId) => {
      if (runId === 'bad') throw new Error('download failed');
      return new FakeModel(runId === 'a' ? 0.1 : 0.3);
    });
    await holder.load('a');
    await expect(holder.load('bad')).rejects.toThrow('download failed');
    expect(holder.runId).toBe('a');
    await holder.load('c');
    expect(holder.runId).toBe('c');
  });

  it('when the same run is loaded again, then nothing is reloaded', async () => {
    let loads = 0;
    const holder = new ModelHolder(async () => {
      loads += 1;
      return new FakeModel(1);
    });
    await holder.load('a');
    await holder.load('a');
    expect(loads).toBe(1);
  });

  it('when swapped, then listeners get the new run id', async () => {
    const holder = new ModelHolder(async () => new FakeModel(1));
    const seen: string[] = [];
    holder.onSwap(({ runId }) => seen.push(runId));
    await holder.load('a');
    await holder.load('b');
    expect(seen).toEqual(['a', 'b']);
  });
});
