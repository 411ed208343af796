import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { checkMatrix, XGBoostError, type Booster, type LoadOptions, type Matrix, type TrainOptions, type XGBoostEngine } from './types.js';

// Where scripts/stack/install.sh unpacks PyPI's xgboost-cpu wheel (its libgomp beside it), from
// this file in src/ or dist/. STACK_DIR moves .stack, as it does for the stack's scripts.
const STACK_LIBRARY = 'xgboost/xgboost/lib/libxgboost.so';
const stackDir = () => process.env.STACK_DIR ?? fileURLToPath(new URL('../../../.stack', import.meta.url));
// Debian's libxgboost0 (1.7.4): the compose image's library, and a machine's without the stack install.
const SYSTEM_NAMES = ['libxgboost.so.0', 'libxgboost.so', 'libxgboost.dylib', 'xgboost.dll'];

/**
 * The libraries to try, first that loads wins: XGBOOST_LIBRARY alone when set (a path; failing to
 * load it is an error, not a silent fallback), else the stack's pinned libxgboost, else the system's.
 */
function libraryCandidates(): string[] {
  const configured = process.env.XGBOOST_LIBRARY;
  if (configured) return [configured];
  const stack = `${stackDir()}/${STACK_LIBRARY}`;
  return existsSync(stack) ? [stack, ...SYSTEM_NAMES] : SYSTEM_NAMES;
}

type Handle = unknown;
// koffi writes `_Out_` values into a one-element array.
type Out<T> = [T | null];

interface Api {
  version: string;
  lastError(): string;
  matCreate(data: Float32Array, rows: number, cols: number, missing: number, out: Out<Handle>): number;
  setFloatInfo(m: Handle, field: string, values: Float32Array, len: number): number;
  matFree(m: Handle): number;
  create(mats: Handle[], len: number, out: Out<Handle>): number;
  free(b: Handle): number;
  setParam(b: Handle, name: string, value: string): number;
  updateOneIter(b: Handle, iter: number, m: Handle): number;
  evalOneIter(b: Handle, iter: number, mats: Handle[], names: string[], len: number, out: Out<string>): number;
  predictFromDense(b: Handle, values: string, config: string, m: Handle, shape: Out<Handle>, dim: Out<number>, result: Out<Handle>): number;
  slice(b: Handle, begin: number, end: number, step: number, out: Out<Handle>): number;
  saveToBuffer(b: Handle, config: string, len: Out<number>, data: Out<Handle>): number;
  loadFromBuffer(b: Handle, data: Uint8Array, len: number): number;
}

let cached: Api | undefined;

function bind(): Api {
  if (cached) return cached;
  // libgomp reads this once when it loads. Its default (spinning) made 2-thread training 20-50x
  // slower whenever the cores were shared with other processes; passive waiting costs nothing here.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  let lib: ReturnType<typeof koffi.load> | undefined;
  const failures: string[] = [];
  for (const name of libraryCandidates()) {
    try {
      lib = koffi.load(name);
      break;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  if (!lib) throw new XGBoostError(`libxgboost not found (scripts/stack/install.sh xgboost, or set XGBOOST_LIBRARY): ${failures.join('; ')}`);
  const f = (sig: string): unknown => lib.func(sig);
  const parts: [number[], number[], number[]] = [[0], [0], [0]];
  (f('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)') as (...out: number[][]) => void)(...parts);
  const api = {
    version: parts.map(([n]) => n).join('.'),
    lastError: f('const char *XGBGetLastError()'),
    matCreate: f('int XGDMatrixCreateFromMat(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ void **out)'),
    setFloatInfo: f('int XGDMatrixSetFloatInfo(void *m, const char *field, const float *values, uint64_t len)'),
    matFree: f('int XGDMatrixFree(void *m)'),
    create: f('int XGBoosterCreate(void **mats, uint64_t len, _Out_ void **out)'),
    free: f('int XGBoosterFree(void *b)'),
    setParam: f('int XGBoosterSetParam(void *b, const char *name, const char *value)'),
    updateOneIter: f('int XGBoosterUpdateOneIter(void *b, int iter, void *m)'),
    evalOneIter: f('int XGBoosterEvalOneIter(void *b, int iter, void **mats, const char **names, uint64_t len, _Out_ const char **out)'),
    predictFromDense: f(
      'int XGBoosterPredictFromDense(void *b, const char *values, const char *config, void *m, _Out_ void **shape, _Out_ uint64_t *dim, _Out_ void **result)',
    ),
    slice: f('int XGBoosterSlice(void *b, int begin, int end, int step, _Out_ void **out)'),
    saveToBuffer: f('int XGBoosterSaveModelToBuffer(void *b, const char *config, _Out_ uint64_t *len, _Out_ void **data)'),
    loadFromBuffer: f('int XGBoosterLoadModelFromBuffer(void *b, const void *data, uint64_t len)'),
  } as unknown as Api;
  cached = api;
  return api;
}

/** The version of the libxgboost the native engine loads (XGBoostVersion), or undefined when none loads. */
export function nativeVersion(): string | undefined {
  return nativeAvailable() ? bind().version : undefined;
}

/** True when libxgboost can be loaded on this machine. */
export function nativeAvailable(): boolean {
  try {
    bind();
    return true;
  } catch {
    return false;
  }
}

function check(api: Api, rc: number, what: string): void {
  if (rc !== 0) throw new XGBoostError(`${what} failed: ${api.lastError()}`);
}

function take<T>(out: Out<T>, what: string): T {
  if (out[0] === null) throw new XGBoostError(`${what} returned no value`);
  return out[0];
}

function createDMatrix(api: Api, m: Matrix): Handle {
  const out: Out<Handle> = [null];
  check(api, api.matCreate(m.data, m.rows, m.cols, Number.NaN, out), 'XGDMatrixCreateFromMat');
  const handle = take(out, 'XGDMatrixCreateFromMat');
  if (m.labels) check(api, api.setFloatInfo(handle, 'label', m.labels, m.rows), 'XGDMatrixSetFloatInfo');
  return handle;
}

/**
 * Parses `[0] valid-logloss:0.123` style output of XGBoosterEvalOneIter: the first metric decides
 * early stopping, as in Python's xgboost.
 */
function firstMetric(text: string): { name: string; value: number } {
  const match = /\t[^:\s]+-([^:\s]+):([-+0-9.eEinfa]+)/.exec(text);
  if (!match?.[1] || match[2] === undefined) throw new XGBoostError(`cannot read evaluation result: ${text}`);
  return { name: match[1], value: Number(match[2]) };
}

const MAXIMIZED = /^(auc|aucpr|map|ndcg|pre)/;

const DEFAULT_JS_BELOW_ROWS = 8;

// PredictFromDense needs the missing value and a cache id in 1.7; JSON has no NaN, XGBoost's reader does.
const DENSE_CONFIG = JSON.stringify({
  type: 0,
  training: false,
  iteration_begin: 0,
  iteration_end: 0,
  strict_shape: false,
  missing: Number.NaN,
  cache_id: 0,
}).replace('null', 'NaN');

/** Scores rows by a JavaScript walk over a model's trees (TreeEnsemble), for small batches. */
export type TreeWalker = (modelJson: string) => { predict(data: Float32Array, rows: number, cols: number): Float32Array };

class NativeBooster implements Booster {
  private disposed = false;
  // One reusable native input buffer per booster so single-row predictions skip any allocation.
  private input: { ptr: unknown; view: Float32Array; capacity: number; address: bigint } | undefined;
  private readonly descriptors = new Map<string, string>();
  private readonly ensemble: ReturnType<TreeWalker> | undefined;

  constructor(
    private readonly api: Api,
    private readonly handle: Handle,
    readonly bestIteration?: number,
    private readonly jsBelowRows = 0,
    walker?: TreeWalker,
  ) {
    if (jsBelowRows > 0 && walker) this.ensemble = walker(this.toModelJson());
  }

  private live(): Handle {
    if (this.disposed) throw new XGBoostError('booster was disposed');
    return this.handle;
  }

  predict(data: Float32Array, rows: number, cols: number): Float32Array {
    const handle = this.live();
    if (data.length !== rows * cols) throw new XGBoostError(`predict: ${data.length} values for ${rows}x${cols}`);
    if (rows === 0) return new Float32Array(0);
    if (this.ensemble && rows <= this.jsBelowRows) return this.ensemble.predict(data, rows, cols);
    const needed = rows * cols;
    if (!this.input || this.input.capacity < needed) {
      if (this.input) koffi.free(this.input.ptr);
      const capacity = Math.max(needed, 64);
      const ptr = koffi.alloc('float', capacity);
      this.input = { ptr, view: new Float32Array(koffi.view(ptr, capacity * 4)), capacity, address: koffi.address(ptr) };
      this.descriptors.clear();
    }
    this.input.view.set(data);
    const key = `${rows}x${cols}`;
    let descriptor = this.descriptors.get(key);
    if (!descriptor) {
      // NumPy's array interface: in-place prediction reads the buffer directly, no DMatrix.
      descriptor = JSON.stringify({ data: [Number(this.input.address), false], shape: [rows, cols], typestr: '<f4', version: 3 });
      this.descriptors.set(key, descriptor);
    }
    const shape: Out<Handle> = [null];
    const dim: Out<number> = [null];
    const result: Out<Handle> = [null];
    check(this.api, this.api.predictFromDense(handle, descriptor, DENSE_CONFIG, null, shape, dim, result), 'XGBoosterPredictFromDense');
    return new Float32Array(koffi.view(take(result, 'predict'), rows * 4).slice(0));
  }

  toModelJson(): string {
    const len: Out<number> = [null];
    const data: Out<Handle> = [null];
    check(this.api, this.api.saveToBuffer(this.live(), JSON.stringify({ format: 'json' }), len, data), 'XGBoosterSaveModelToBuffer');
    const json = Buffer.from(koffi.view(take(data, 'save'), Number(take(len, 'save')))).toString('utf8');
    // 3.x writes a one-target base score as a vector ("[5.05E-1]") that xgboost before 3.1 misreads
    // (Python 2.1.4 predicted 0.004 off); the scalar reads the same in every xgboost from 1.7 to 3.x.
    return json.replace(/"base_score":"\[([^,\]]+)\]"/, '"base_score":"$1"');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.input) koffi.free(this.input.ptr);
    this.input = undefined;
    this.api.free(this.handle);
  }
}


function createBooster(api: Api, mats: Handle[]): Handle {
  const out: Out<Handle> = [null];
  check(api, api.create(mats, mats.length, out), 'XGBoosterCreate');
  return take(out, 'XGBoosterCreate');
}

/**
 * libxgboost through koffi. Loaded boosters score small batches with `walker` when given (createEngine
 * gives TreeEnsemble); without one (training threads, which never load a model) every batch goes to
 * libxgboost, and the JSON model parser and its zod schemas stay unloaded.
 */
export class NativeEngine implements XGBoostEngine {
  readonly kind = 'native' as const;
  private readonly api = bind();

  constructor(private readonly walker?: TreeWalker) {}
  // DMatrix per Matrix object, reused across trials: libxgboost keeps the hist quantile sketch on
  // the DMatrix, so a tuning run sketches its split once (as Python does with one DMatrix), not per trial.
  private readonly matrices = new WeakMap<Matrix, Handle>();
  private readonly release = new FinalizationRegistry<Handle>((handle) => this.api.matFree(handle));

  private dmatrix(m: Matrix): Handle {
    let handle = this.matrices.get(m);
    if (handle === undefined) {
      handle = createDMatrix(this.api, m);
      this.matrices.set(m, handle);
      this.release.register(m, handle);
    }
    return handle;
  }

  train(options: TrainOptions): Booster {
    const { api } = this;
    checkMatrix(options.train, 'train');
    if (options.validation) checkMatrix(options.validation, 'validation');
    if (options.earlyStoppingRounds !== undefined && !options.validation) {
      throw new XGBoostError('earlyStoppingRounds needs a validation matrix');
    }
    const dtrain = this.dmatrix(options.train);
    const dvalid = options.validation ? this.dmatrix(options.validation) : undefined;
    const mats = dvalid ? [dtrain, dvalid] : [dtrain];
    let handle: Handle | undefined;
    try {
      handle = createBooster(api, mats);
      for (const [name, value] of Object.entries(options.params)) check(api, api.setParam(handle, name, String(value)), `SetParam ${name}`);
      let best = { iteration: -1, score: Number.NaN };
      for (let iter = 0; iter < options.numBoostRound; iter++) {
        check(api, api.updateOneIter(handle, iter, dtrain), 'XGBoosterUpdateOneIter');
        if (!dvalid || options.earlyStoppingRounds === undefined) continue;
        const out: Out<string> = [null];
        check(api, api.evalOneIter(handle, iter, [dvalid], ['valid'], 1, out), 'XGBoosterEvalOneIter');
        const metric = firstMetric(take(out, 'eval'));
        const better = MAXIMIZED.test(metric.name) ? metric.value > best.score : metric.value < best.score;
        if (best.iteration < 0 || better) best = { iteration: iter, score: metric.value };
        else if (iter - best.iteration >= options.earlyStoppingRounds) break;
      }
      if (best.iteration < 0) return new NativeBooster(api, handle);
      // Keep only the rounds up to the best one, so model.json predicts what was selected.
      const sliced: Out<Handle> = [null];
      check(api, api.slice(handle, 0, best.iteration + 1, 1, sliced), 'XGBoosterSlice');
      api.free(handle);
      handle = undefined;
      return new NativeBooster(api, take(sliced, 'slice'), best.iteration);
    } catch (e) {
      if (handle) api.free(handle);
      throw e;
    }
  }

  load(modelJson: string | Uint8Array, options: LoadOptions = {}): Booster {
    const { api } = this;
    const bytes = typeof modelJson === 'string' ? Buffer.from(modelJson, 'utf8') : modelJson;
    const handle = createBooster(api, []);
    const rc = api.loadFromBuffer(handle, bytes, bytes.length);
    if (rc !== 0) {
      const message = api.lastError();
      api.free(handle);
      throw new XGBoostError(`XGBoosterLoadModelFromBuffer failed: ${message}`);
    }
    check(api, api.setParam(handle, 'nthread', String(options.nthread ?? 1)), 'SetParam nthread');
    return new NativeBooster(api, handle, undefined, options.jsBelowRows ?? DEFAULT_JS_BELOW_ROWS, this.walker);
  }
}
