import type { DatasetContract, FeatureRow, ReferenceProfile } from '@churn/churn-data';
import type { Logger } from '@churn/logger';

/** What the predictors need from a loaded model (LoadedModel of @churn/model fits). */
export interface ServableModel {
  predict(rows: FeatureRow[]): Float64Array;
  /** The contract the model was trained with: requests to it are validated against it. */
  readonly contract: DatasetContract;
  readonly reference?: ReferenceProfile;
  /** Why it has no reference profile, when it has none (a model Python logged without DRIFT_REFERENCE_CSV). */
  readonly noReference?: string | undefined;
  /** The test split's chances and labels (test-predictions.json; models written by this suite): the quality estimate calibrates on them. */
  readonly testPredictions?: { readonly chances: readonly number[]; readonly labels: readonly (0 | 1)[] } | undefined;
  /** Multi-class models (Python logged them): the number of classes; predict() answers the most probable class's probability. */
  readonly classes?: number | undefined;
  /** Multi-class models: every class's probability per row, row-major. */
  classify?(rows: FeatureRow[]): Float64Array;
  /** MLflow's scoring output where it is not one chance per row (models Python logged: class labels, per-class probabilities). */
  score?(rows: FeatureRow[]): { predictions: number[] | number[][]; chances: Float64Array };
  dispose(): void;
}

export interface ServedModel {
  readonly runId: string;
  readonly model: ServableModel;
}

interface Slot extends ServedModel {
  users: number;
  retired: boolean;
}

export type ModelLoader = (runId: string) => Promise<ServableModel>;

/**
 * Holds the served model and swaps it atomically: a new run is loaded completely before the reference
 * moves, and the old model is disposed only when the last request using it has finished. A failed load
 * leaves the current model serving.
 */
export class ModelHolder {
  private slot: Slot | undefined;
  private loading: Promise<void> = Promise.resolve();
  private readonly listeners: ((served: ServedModel) => void)[] = [];

  constructor(
    private readonly loader: ModelLoader,
    private readonly logger?: Logger,
  ) {}

  get ready(): boolean {
    return this.slot !== undefined;
  }

  get runId(): string | undefined {
    return this.slot?.runId;
  }

  /** Called after every successful swap (metrics, drift monitor). */
  onSwap(listener: (served: ServedModel) => void): void {
    this.listeners.push(listener);
  }

  /** Loads `runId` unless it is already served; loads run one after another, the last one wins. */
  load(runId: string): Promise<void> {
    const next = this.loading.catch(() => undefined).then(() => this.swapTo(runId));
    this.loading = next;
    return next;
  }

  /**
   * Runs `fn` with the current model; a swap during `fn` does not dispose the model it holds.
   * Throws ModelNotReadyError before the first model is loaded.
   */
  use<T>(fn: (served: ServedModel) => T): T {
    const slot = this.slot;
    if (!slot) throw new ModelNotReadyError();
    slot.users += 1;
    let result: T;
    try {
      result = fn(slot);
    } catch (error) {
      this.release(slot);
      throw error;
    }
    if (result instanceof Promise) {
      return result.finally(() => this.release(slot)) as T;
    }
    this.release(slot);
    return result;
  }

  /** Disposes the served model (shutdown). */
  close(): void {
    const slot = this.slot;
    this.slot = undefined;
    if (slot) this.retire(slot);
  }

  private async swapTo(runId: string): Promise<void> {
    if (this.slot?.runId === runId) return;
    const started = Date.now();
    let model: ServableModel;
    try {
      model = await this.loader(runId);
    } catch (error) {
      this.logger?.error({ err: error, runId, serving: this.slot?.runId }, 'model load failed; keeping the current model');
      throw error;
    }
    const previous = this.slot;
    this.slot = { runId, model, users: 0, retired: false };
    this.logger?.info({ runId, previous: previous?.runId, loadMs: Date.now() - started }, 'model swapped in');
    if (previous) this.retire(previous);
    for (const listener of this.listeners) listener(this.slot);
  }

  private retire(slot: Slot): void {
    slot.retired = true;
    if (slot.users === 0) slot.model.dispose();
  }

  private release(slot: Slot): void {
    slot.users -= 1;
    if (slot.retired && slot.users === 0) slot.model.dispose();
  }
}

/** Thrown by ModelHolder.use before any model is loaded; services answer 503. */
export class ModelNotReadyError extends Error {
  override readonly name = 'ModelNotReadyError';
  constructor() {
    super('no model loaded yet');
  }
}
