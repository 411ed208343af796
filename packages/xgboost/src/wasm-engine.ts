import { createRequire } from 'node:module';
import { parseLegacyBinary } from './legacy-binary.js';
import { buildModelJson, parseModelJson, TreeEnsemble, type TreeModel } from './model-json.js';
import { checkMatrix, XGBoostError, type Booster, type Matrix, type TrainOptions, type XGBoostEngine } from './types.js';

interface WasmModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: unknown[]) => number;
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
}

interface Calls {
  create(data: Uint8Array, labels: Uint8Array, rows: number, cols: number): number;
  free(model: number): void;
  setParam(model: number, name: string, value: string): void;
  train(model: number, rounds: number): void;
  save(model: number): number;
  content(ptr: number, size: number): void;
}

let loading: Promise<{ module: WasmModule; calls: Calls }> | undefined;

async function loadWasm(): Promise<{ module: WasmModule; calls: Calls }> {
  const require = createRequire(import.meta.url);
  // The emscripten loader tries fetch() on a file path first and logs a failure; skip straight to
  // its ArrayBuffer fallback. Restored in the same tick, before anything else can run.
  const wasm = Reflect.get(globalThis, 'WebAssembly') as object;
  const streaming: unknown = Reflect.get(wasm, 'instantiateStreaming');
  Reflect.set(wasm, 'instantiateStreaming', undefined);
  let loader: { isReady: Promise<WasmModule> };
  try {
    loader = require('ml-xgboost/dist/wasm/xgboost.js') as { isReady: Promise<WasmModule> };
  } finally {
    Reflect.set(wasm, 'instantiateStreaming', streaming);
  }
  const module = await loader.isReady;
  const calls: Calls = {
    create: module.cwrap('create_model', 'number', ['array', 'array', 'number', 'number']),
    free: module.cwrap('free_memory_model', null, ['number']),
    setParam: module.cwrap('set_param', null, ['number', 'string', 'string']),
    train: module.cwrap('train_full_model', null, ['number', 'number']),
    save: module.cwrap('save_model', 'number', ['number']),
    content: module.cwrap('get_file_content', null, ['number', 'number']),
  };
  return { module, calls };
}

// Parameters XGBoost 0.72 does not know or that the engine handles itself.
const NOT_PASSED = new Set(['eval_metric', 'nthread', 'verbosity', 'validate_parameters']);
// Rounds trained between early-stopping checks: ml-xgboost can only append rounds in bulk.
const CHUNK = 10;

function validationLoss(metric: string, labels: Float32Array, margins: Float32Array): number {
  if (metric === 'error') {
    let wrong = 0;
    margins.forEach((m, i) => (wrong += (m > 0 ? 1 : 0) !== labels[i] ? 1 : 0));
    return wrong / labels.length;
  }
  let sum = 0;
  const eps = 1e-16;
  margins.forEach((m, i) => {
    const p = Math.min(Math.max(1 / (1 + Math.exp(-m)), eps), 1 - eps);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  });
  return sum / labels.length;
}

class JsBooster implements Booster {
  private readonly ensemble: TreeEnsemble;
  constructor(
    private readonly model: TreeModel,
    readonly bestIteration?: number,
  ) {
    this.ensemble = new TreeEnsemble(model);
  }
  predict(data: Float32Array, rows: number, cols: number): Float32Array {
    return this.ensemble.predict(data, rows, cols);
  }
  toModelJson(): string {
    return buildModelJson(this.model);
  }
  dispose(): void {}
}

/**
 * ml-xgboost (XGBoost ~0.72 compiled to WebAssembly) trains; its binary model is converted to
 * XGBoost's JSON format and predicted in JavaScript, since the package cannot predict in batch,
 * evaluate per round or read JSON.
 */
export class WasmEngine implements XGBoostEngine {
  readonly kind = 'wasm' as const;
  private constructor(
    private readonly module: WasmModule,
    private readonly calls: Calls,
  ) {}

  static async create(): Promise<WasmEngine> {
    loading ??= loadWasm();
    const { module, calls } = await loading;
    return new WasmEngine(module, calls);
  }

  private dump(model: number): TreeModel {
    const size = this.calls.save(model);
    if (size < 0) throw new XGBoostError('ml-xgboost could not save its model');
    const ptr = this.module._malloc(size);
    try {
      this.calls.content(ptr, size);
      return parseLegacyBinary(this.module.HEAPU8.slice(ptr, ptr + size));
    } finally {
      this.module._free(ptr);
    }
  }

  train(options: TrainOptions): Booster {
    checkMatrix(options.train, 'train');
    const labels = options.train.labels;
    if (!labels) throw new XGBoostError('train: labels are required');
    const validation = options.validation;
    if (validation) checkMatrix(validation, 'validation');
    if (options.earlyStoppingRounds !== undefined && !validation?.labels) {
      throw new XGBoostError('earlyStoppingRounds needs a validation matrix with labels');
    }
    const { data, rows, cols } = options.train;
    const model = this.calls.create(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength), rows, cols);
    if (model === 0) throw new XGBoostError('ml-xgboost could not create a model');
    try {
      const params: Record<string, string> = { objective: 'binary:logistic', silent: '1' };
      for (const [k, v] of Object.entries(options.params)) if (!NOT_PASSED.has(k)) params[k] = String(v);
      // 0.72 maps tree_method=hist to this updater but also prints a notice to stdout; set it directly.
      if (params.tree_method === 'hist') {
        delete params.tree_method;
        params.updater = 'grow_fast_histmaker';
      }
      for (const [k, v] of Object.entries(params)) this.calls.setParam(model, k, v);
      if (options.earlyStoppingRounds === undefined || !validation?.labels) {
        this.calls.train(model, options.numBoostRound);
        return new JsBooster(this.dump(model));
      }
      return this.trainWithEarlyStopping(model, options, validation as Required<Matrix>, options.earlyStoppingRounds);
    } finally {
      this.calls.free(model);
    }
  }

  private trainWithEarlyStopping(model: number, options: TrainOptions, validation: Required<Matrix>, patience: number): Booster {
    const metric = String(options.params.eval_metric ?? 'logloss');
    if (metric !== 'logloss' && metric !== 'error') throw new XGBoostError(`wasm engine: eval_metric ${metric} is not supported (logloss, error)`);
    let margins: Float32Array | undefined;
    let best = { iteration: -1, loss: Number.POSITIVE_INFINITY };
    let trained = 0;
    let latest: TreeModel | undefined;
    while (trained < options.numBoostRound && trained - best.iteration <= patience) {
      const rounds = Math.min(CHUNK, options.numBoostRound - trained);
      this.calls.train(model, rounds);
      latest = this.dump(model);
      const ensemble = new TreeEnsemble(latest);
      margins ??= ensemble.margins(validation.data, validation.rows, validation.cols, 0);
      for (let t = trained; t < trained + rounds; t++) {
        ensemble.addTree(t, validation.data, validation.rows, validation.cols, margins);
        const loss = validationLoss(metric, validation.labels, margins);
        if (loss < best.loss) best = { iteration: t, loss };
        else if (t - best.iteration >= patience) break;
      }
      trained += rounds;
    }
    if (!latest) throw new XGBoostError('numBoostRound must be at least 1');
    return new JsBooster({ ...latest, trees: latest.trees.slice(0, best.iteration + 1) }, best.iteration);
  }

  load(modelJson: string | Uint8Array): Booster {
    return new JsBooster(parseModelJson(modelJson));
  }
}
