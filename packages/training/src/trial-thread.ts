import { parentPort } from 'node:worker_threads';
import type { Booster } from '@churn/xgboost';
import { NativeEngine } from '@churn/xgboost/native';
import { trainOnSplit, type EncodedSplit } from './train-on-split.js';
import type { ThreadReply, ThreadRequest } from './trial-threads.js';

// A training thread of TrialThreads: trains the trials it is sent on the split it was sent, answers
// with their metrics and keeps each booster until it is asked for its model or told to drop it.

// Loading libxgboost overlaps the main thread's reading of the data. Trials only train (no model is
// loaded here), so the engine needs no JavaScript tree walk.
const engine = new NativeEngine();
const boosters = new Map<number, Booster>();
let split: EncodedSplit | undefined;

const reply = (message: ThreadReply, transfer: ArrayBuffer[] = []) => parentPort?.postMessage(message, transfer);

parentPort?.on('message', (request: ThreadRequest) => {
  try {
    if (request.kind === 'split') {
      split = request.split;
    } else if (request.kind === 'trial') {
      if (!split) throw new Error('a trial arrived before the split');
      const { booster, metrics, testChances, bestIteration, durationMs } = trainOnSplit(split, { ...request.options, engine });
      boosters.set(request.id, booster);
      reply({ kind: 'trial', id: request.id, metrics, testChances, bestIteration, durationMs }, [testChances.buffer as ArrayBuffer]);
    } else if (request.kind === 'model') {
      const booster = boosters.get(request.id);
      if (!booster) throw new Error(`no booster of trial ${request.id} on this thread`);
      reply({ kind: 'model', id: request.id, modelJson: booster.toModelJson() });
    } else {
      boosters.get(request.id)?.dispose();
      boosters.delete(request.id);
    }
  } catch (error) {
    reply({ kind: 'error', id: 'id' in request ? request.id : -1, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
