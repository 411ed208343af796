import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrialResult, EncodedSplit, TrainOnOptions } from './trial.js';

export type ThreadTrialOptions = Omit<TrainOnOptions, 'engine'>;

export type ThreadRequest =
  | { kind: 'split'; split: EncodedSplit }
  | { kind: 'trial'; id: number; options: ThreadTrialOptions }
  | { kind: 'model'; id: number }
  | { kind: 'drop'; id: number };

export type ThreadReply =
  | ({ kind: 'trial'; id: number } & Pick<TrialResult, 'metrics' | 'testChances' | 'bestIteration' | 'durationMs'>)
  | { kind: 'model'; id: number; modelJson: string }
  | { kind: 'error'; id: number; error: string };

/** A trial trained on a thread: its results, and its booster still there (see TrialThreads.modelJson/drop). */
export type ThreadTrial = Extract<ThreadReply, { kind: 'trial' }>;

/** Thrown when a training thread fails a request or exits. */
export class TrialThreadError extends Error {
  override readonly name = 'TrialThreadError';
}

/**
 * Where the thread's code is. In the CLI's bundle, import.meta.filename names the bundle
 * (scripts/build-services.mjs rewrites import.meta.url and dirname to the sources, not filename)
 * and the thread is bundled beside it; from the TypeScript sources (tests, tsx) a boot file
 * registers tsx in the thread first.
 */
function threadEntry(): URL {
  const self = import.meta.filename;
  return self.endsWith('.ts') ? new URL('./trial-thread-boot.mjs', import.meta.url) : pathToFileURL(join(dirname(self), 'trial-thread.js'));
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * Training threads on the native engine, each training one trial at a time at the trial's own
 * nthread: on a machine with cores to spare, trials train side by side. Start them before reading the data (each loads
 * libxgboost meanwhile), then `load` the encoded split once.
 */
export class TrialThreads {
  private readonly slots: Slot[];
  private readonly owner = new Map<number, Slot>();
  private readonly pending = new Map<number, { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void }>();
  private readonly waiting: (() => void)[] = [];
  private next = 0;
  private failure: Error | undefined;

  private constructor(count: number) {
    this.slots = Array.from({ length: count }, () => {
      const worker = new Worker(threadEntry());
      worker.on('message', (reply: ThreadReply) => {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.kind === 'error') waiter?.reject(new TrialThreadError(`training thread: ${reply.error}`));
        else waiter?.resolve(reply);
      });
      worker.on('error', (error) => this.fail(new TrialThreadError(`training thread failed: ${error.message}`, { cause: error })));
      worker.on('exit', (code) => this.fail(new TrialThreadError(`training thread exited (code ${code})`)));
      return { worker, busy: false };
    });
  }

  static start(count: number): TrialThreads {
    return new TrialThreads(count);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Sends the split every trial trains on (copied to each thread once). */
  load(split: EncodedSplit): void {
    for (const { worker } of this.slots) worker.postMessage({ kind: 'split', split } satisfies ThreadRequest);
  }

  /** Trains one trial on the first free thread (waiting for one when all are busy). */
  async train(options: ThreadTrialOptions): Promise<ThreadTrial> {
    let slot = this.slots.find((s) => !s.busy);
    while (!slot) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      slot = this.slots.find((s) => !s.busy);
    }
    slot.busy = true;
    const id = (this.next += 1);
    try {
      const reply = await this.request(slot, { kind: 'trial', id, options });
      if (reply.kind !== 'trial') throw new TrialThreadError(`training thread answered ${reply.kind} to a trial`);
      this.owner.set(id, slot);
      return reply;
    } finally {
      slot.busy = false;
      this.waiting.shift()?.();
    }
  }

  /** The model JSON of a trained trial whose booster was not dropped. */
  async modelJson(trial: Pick<ThreadTrial, 'id'>): Promise<string> {
    const slot = this.owner.get(trial.id);
    if (!slot) throw new TrialThreadError(`trial ${trial.id} has no booster on any thread`);
    const reply = await this.request(slot, { kind: 'model', id: trial.id });
    if (reply.kind !== 'model') throw new TrialThreadError(`training thread answered ${reply.kind} to a model request`);
    return reply.modelJson;
  }

  /** Frees a trial's booster on its thread. */
  drop(trial: Pick<ThreadTrial, 'id'>): void {
    this.owner.get(trial.id)?.worker.postMessage({ kind: 'drop', id: trial.id } satisfies ThreadRequest);
    this.owner.delete(trial.id);
  }

  async close(): Promise<void> {
    this.failure ??= new TrialThreadError('the training threads are closed');
    await Promise.all(this.slots.map(({ worker }) => worker.terminate()));
  }

  private request(slot: Slot, message: Extract<ThreadRequest, { id: number }>): Promise<ThreadReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      slot.worker.postMessage(message);
    });
  }

  // A thread that dies (a crash in native code) fails the whole run: its boosters are gone.
  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }
}
