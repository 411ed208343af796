import { z } from 'zod';
import { XGBoostError } from './types.js';

/** One regression tree in XGBoost's JSON layout (node arrays indexed by node id, root = 0). */
export interface TreeArrays {
  left: number[];
  right: number[];
  parents: number[];
  splitIndices: number[];
  /** The threshold of a split node, the leaf value of a leaf. */
  splitConditions: number[];
  defaultLeft: boolean[];
  baseWeights: number[];
  lossChanges: number[];
  sumHessian: number[];
}

/** The parts of an XGBoost gbtree model that prediction needs. */
export interface TreeModel {
  objective: string;
  /** In probability space for binary:logistic, as XGBoost's JSON stores it. */
  baseScore: number;
  numFeature: number;
  trees: TreeArrays[];
  /** multi:softprob and multi:softmax: which class each tree scores, and each class's base score (3.x estimates one per class). */
  multiClass?: { numClass: number; treeClass: number[]; baseScores: number[] };
  /** Column names the booster was trained on (Python saves a DataFrame's), in feature index order. */
  featureNames?: string[];
  /** Early stopping's best round and the trees up to it (Python's scikit-learn wrappers predict with those only). */
  bestIteration?: { iteration: number; trees: number };
}

// XGBoost writes scalars as strings ("5E-1"); 3.x writes the base score as a vector ("[5E-1]", one per class for multi-class).
const numberLike = z.union([z.number(), z.string()]).transform((v) => (typeof v === 'number' ? v : Number(v)));
const vectorLike = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const values = typeof v === 'number' ? [v] : v.replace(/^\[(.*)\]$/, '$1').split(',').map(Number);
  if (values.length === 0 || values.some(Number.isNaN)) ctx.addIssue({ code: 'custom', message: `not a number or vector: ${String(v)}` });
  return values;
});
const treeSchema = z.object({
  left_children: z.array(z.number().int()),
  right_children: z.array(z.number().int()),
  parents: z.array(z.number().int()),
  split_indices: z.array(z.number().int()),
  split_conditions: z.array(z.number()),
  default_left: z.array(z.union([z.number(), z.boolean()])),
  base_weights: z.array(z.number()),
  loss_changes: z.array(z.number()),
  sum_hessian: z.array(z.number()),
  categories: z.array(z.number()).optional(),
});
const modelSchema = z.object({
  learner: z.object({
    attributes: z.record(z.string(), z.unknown()).optional(),
    feature_names: z.array(z.string()).optional(),
    learner_model_param: z.object({ base_score: vectorLike, num_feature: numberLike, num_class: numberLike.optional() }),
    objective: z.object({ name: z.string() }),
    gradient_booster: z.object({
      name: z.literal('gbtree', { message: 'only gbtree models are supported' }),
      model: z.object({
        trees: z.array(treeSchema),
        tree_info: z.array(z.number()),
        gbtree_model_param: z.object({ num_parallel_tree: numberLike.optional() }).optional(),
        // 2.x and 3.x: where each boosting round's trees start.
        iteration_indptr: z.array(z.number()).optional(),
      }),
    }),
  }),
});

const SUPPORTED_OBJECTIVES = new Set(['binary:logistic', 'reg:squarederror', 'reg:logistic', 'multi:softprob', 'multi:softmax']);

/** Reads XGBoost's JSON model (any version from 1.0) into plain arrays. */
export function parseModelJson(json: string | Uint8Array): TreeModel {
  const text = typeof json === 'string' ? json : Buffer.from(json).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new XGBoostError('model is not JSON (only XGBoost JSON models can be loaded)', { cause: e });
  }
  return parseModelObject(raw);
}

/** Reads XGBoost's model document, decoded from JSON or UBJSON (the same schema), into plain arrays. */
export function parseModelObject(raw: unknown): TreeModel {
  const parsed = modelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new XGBoostError(`not an XGBoost JSON model: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { learner } = parsed.data;
  const objective = learner.objective.name;
  if (!SUPPORTED_OBJECTIVES.has(objective)) throw new XGBoostError(`unsupported objective ${objective}`);
  const numClass = learner.learner_model_param.num_class ?? 0;
  const multi = objective.startsWith('multi:');
  if (multi !== numClass > 1) throw new XGBoostError(`objective ${objective} with num_class ${numClass} is not supported`);
  const baseScores = learner.learner_model_param.base_score;
  const treeClass = learner.gradient_booster.model.tree_info;
  if (multi && (treeClass.some((c) => c < 0 || c >= numClass) || (baseScores.length !== 1 && baseScores.length !== numClass))) {
    throw new XGBoostError(`multi-class model: tree classes or base scores do not match num_class ${numClass}`);
  }
  return {
    objective,
    baseScore: baseScores[0] ?? Number.NaN,
    numFeature: learner.learner_model_param.num_feature,
    ...(learner.feature_names?.length ? { featureNames: learner.feature_names } : {}),
    ...bestIterationOf(learner.attributes?.['best_iteration'], learner.gradient_booster.model, multi ? numClass : 1),
    ...(multi ? { multiClass: { numClass, treeClass, baseScores: baseScores.length === 1 ? Array.from({ length: numClass }, () => baseScores[0] ?? 0) : baseScores } } : {}),
    trees: learner.gradient_booster.model.trees.map((t) => {
      if (t.categories && t.categories.length > 0) throw new XGBoostError('categorical splits are not supported');
      return {
        left: t.left_children,
        right: t.right_children,
        parents: t.parents,
        splitIndices: t.split_indices,
        splitConditions: t.split_conditions,
        defaultLeft: t.default_left.map((v) => v === true || v === 1),
        baseWeights: t.base_weights,
        lossChanges: t.loss_changes,
        sumHessian: t.sum_hessian,
      };
    }),
  };
}

/** The trees of rounds 0..best_iteration: from iteration_indptr when saved, else rounds x classes x parallel trees. */
function bestIterationOf(
  attribute: unknown,
  model: { trees: unknown[]; iteration_indptr?: number[] | undefined; gbtree_model_param?: { num_parallel_tree?: number | undefined } | undefined },
  outputs: number,
): Pick<TreeModel, 'bestIteration'> {
  const iteration = typeof attribute === 'string' || typeof attribute === 'number' ? Number(attribute) : Number.NaN;
  if (!Number.isInteger(iteration) || iteration < 0) return {};
  const perRound = outputs * (model.gbtree_model_param?.num_parallel_tree ?? 1);
  const trees = model.iteration_indptr?.[iteration + 1] ?? (iteration + 1) * perRound;
  return { bestIteration: { iteration, trees: Math.min(trees, model.trees.length) } };
}

/** The shortest decimal that reads back as the same float32 (model files stay small and exact). */
export function formatFloat32(value: number): number {
  const f = Math.fround(value);
  if (!Number.isFinite(f) || f === 0) return f === 0 ? 0 : f;
  for (let digits = 6; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

const ROOT_PARENT = 2147483647;

/** A float array as JSON text: XGBoost's reader rejects integers where it expects floats, so every value keeps a decimal point. */
function floats(values: number[]): string {
  return `[${values
    .map((v) => {
      const text = String(formatFloat32(v));
      return /[.eE]/.test(text) ? text : `${text}.0`;
    })
    .join(',')}]`;
}

/**
 * Writes a TreeModel as XGBoost 1.7's JSON model: the schema libxgboost saves, which Python's
 * xgboost (1.7 to 3.x) and libxgboost load.
 */
export function buildModelJson(model: TreeModel): string {
  const ints = (values: number[]) => JSON.stringify(values);
  const trees = model.trees.map((t, id) => {
    const fields: [string, string][] = [
      ['base_weights', floats(t.baseWeights)],
      ['categories', '[]'],
      ['categories_nodes', '[]'],
      ['categories_segments', '[]'],
      ['categories_sizes', '[]'],
      ['default_left', ints(t.defaultLeft.map((v) => (v ? 1 : 0)))],
      ['id', String(id)],
      ['left_children', ints(t.left)],
      ['loss_changes', floats(t.lossChanges)],
      ['parents', ints(t.parents.map((p) => (p < 0 ? ROOT_PARENT : p)))],
      ['right_children', ints(t.right)],
      ['split_conditions', floats(t.splitConditions)],
      ['split_indices', ints(t.splitIndices)],
      ['split_type', ints(t.left.map(() => 0))],
      ['sum_hessian', floats(t.sumHessian)],
      [
        'tree_param',
        JSON.stringify({ num_deleted: '0', num_feature: String(model.numFeature), num_nodes: String(t.left.length), size_leaf_vector: '0' }),
      ],
    ];
    return `{${fields.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
  });
  const gbtree = `{"model":{"gbtree_model_param":${JSON.stringify({ num_parallel_tree: '1', num_trees: String(trees.length), size_leaf_vector: '0' })},"tree_info":${ints(trees.map(() => 0))},"trees":[${trees.join(',')}]},"name":"gbtree"}`;
  const learnerParam = JSON.stringify({
    base_score: String(formatFloat32(model.baseScore)),
    boost_from_average: '1',
    num_class: '0',
    num_feature: String(model.numFeature),
    num_target: '1',
  });
  const objective = JSON.stringify({ name: model.objective, reg_loss_param: { scale_pos_weight: '1' } });
  return `{"learner":{"attributes":{},"feature_names":[],"feature_types":[],"gradient_booster":${gbtree},"learner_model_param":${learnerParam},"objective":${objective}},"version":[1,7,4]}`;
}

/** The margin (raw score) that corresponds to the stored base score. */
export function baseMargin(model: Pick<TreeModel, 'objective' | 'baseScore'>): number {
  if (model.objective === 'reg:squarederror') return model.baseScore;
  const p = model.baseScore;
  return Math.log(p / (1 - p));
}

/**
 * A flattened tree ensemble evaluated in JavaScript, summing in float32 like XGBoost so predictions
 * match libxgboost's to float precision. Multi-class models give `outputs` values per row (row-major):
 * class probabilities for multi:softprob, one class index for multi:softmax.
 */
export class TreeEnsemble {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float32Array;
  private readonly defaultLeft: Uint8Array;
  private readonly roots: Int32Array;
  /** The margin column each tree adds to: its class, 0 for single-output models. */
  private readonly treeColumn: Int32Array;
  /** Starting margin per column. */
  private readonly baseMargins: Float32Array;
  private readonly logistic: boolean;
  /** Margin columns per row: the number of classes, or 1. */
  readonly columns: number;

  constructor(readonly model: TreeModel) {
    const total = model.trees.reduce((n, t) => n + t.left.length, 0);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.feature = new Int32Array(total);
    this.threshold = new Float32Array(total);
    this.defaultLeft = new Uint8Array(total);
    this.roots = new Int32Array(model.trees.length);
    let offset = 0;
    model.trees.forEach((t, i) => {
      this.roots[i] = offset;
      for (let n = 0; n < t.left.length; n++) {
        const l = t.left[n] ?? -1;
        this.left[offset + n] = l < 0 ? -1 : offset + l;
        this.right[offset + n] = l < 0 ? -1 : offset + (t.right[n] ?? 0);
        this.feature[offset + n] = t.splitIndices[n] ?? 0;
        this.threshold[offset + n] = t.splitConditions[n] ?? 0;
        this.defaultLeft[offset + n] = t.defaultLeft[n] ? 1 : 0;
      }
      offset += t.left.length;
    });
    const multi = model.multiClass;
    this.columns = multi?.numClass ?? 1;
    this.treeColumn = Int32Array.from(model.trees, (_, i) => multi?.treeClass[i] ?? 0);
    this.logistic = !multi && model.objective !== 'reg:squarederror';
    // As libxgboost computes it: -logf(1.0f / base_score - 1.0f) in float32; softmax takes the base score as a margin.
    const toMargin = (p: number) => (this.logistic ? Math.fround(-Math.log(Math.fround(Math.fround(1 / Math.fround(p)) - 1))) : Math.fround(p));
    this.baseMargins = Float32Array.from(multi?.baseScores ?? [model.baseScore], toMargin);
  }

  get numTrees(): number {
    return this.roots.length;
  }

  /** Values per row that predict returns: class probabilities for multi:softprob, else 1. */
  get outputs(): number {
    return this.model.objective === 'multi:softprob' ? this.columns : 1;
  }

  /** Raw scores (before the link function) of trees [0, treeLimit): `columns` per row. */
  margins(data: Float32Array, rows: number, cols: number, treeLimit = this.roots.length): Float32Array {
    const out = new Float32Array(rows * this.columns);
    for (let r = 0; r < rows; r++) out.set(this.baseMargins, r * this.columns);
    for (let t = 0; t < treeLimit; t++) this.addTree(t, data, rows, cols, out);
    return out;
  }

  /** Adds tree t's leaf values to the running margins (used for round-by-round early stopping). */
  addTree(t: number, data: Float32Array, rows: number, cols: number, out: Float32Array): void {
    const { left, right, feature, threshold, defaultLeft, columns } = this;
    const root = this.roots[t] ?? 0;
    const column = this.treeColumn[t] ?? 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let node = root;
      let l = left[node] ?? -1;
      while (l >= 0) {
        const v = data[base + (feature[node] ?? 0)] ?? Number.NaN;
        node = Number.isNaN(v) ? (defaultLeft[node] ? l : (right[node] ?? 0)) : v < (threshold[node] ?? 0) ? l : (right[node] ?? 0);
        l = left[node] ?? -1;
      }
      const at = r * columns + column;
      out[at] = Math.fround((out[at] ?? 0) + (threshold[node] ?? 0));
    }
  }

  /** XGBoost's float32 link: sigmoid 1.0f / (1.0f + expf(-x)) rounded at each step as the C++ does, softmax per row for multi-class. */
  transform(margins: Float32Array): Float32Array {
    if (this.model.multiClass) return this.model.objective === 'multi:softmax' ? this.argmax(margins) : this.softmax(margins);
    if (!this.logistic) return margins;
    return margins.map((m) => Math.fround(1 / Math.fround(1 + Math.fround(Math.exp(-m)))));
  }

  /** Every class's probability per row (row-major) for multi-class models, multi:softmax included (what multi:softprob would answer). */
  classProbabilities(data: Float32Array, rows: number, cols: number, treeLimit = this.roots.length): Float32Array {
    if (!this.model.multiClass) throw new XGBoostError(`classProbabilities: ${this.model.objective} is not a multi-class objective`);
    if (data.length !== rows * cols) throw new XGBoostError(`predict: ${data.length} values for ${rows}x${cols}`);
    return this.softmax(this.margins(data, rows, cols, treeLimit));
  }

  /** As XGBoost's common::Softmax: subtract the row maximum, expf, divide by the sum. */
  private softmax(margins: Float32Array): Float32Array {
    const k = this.columns;
    const out = new Float32Array(margins.length);
    for (let base = 0; base < margins.length; base += k) {
      let max = margins[base] ?? 0;
      for (let c = 1; c < k; c++) max = Math.max(max, margins[base + c] ?? 0);
      // XGBoost sums the float32 exponentials in double, then divides by the sum as a float.
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.fround(Math.exp(Math.fround((margins[base + c] ?? 0) - max)));
        out[base + c] = e;
        sum += e;
      }
      const total = Math.fround(sum);
      for (let c = 0; c < k; c++) out[base + c] = Math.fround((out[base + c] ?? 0) / total);
    }
    return out;
  }

  /** multi:softmax answers the class with the largest margin (the first on a tie, as XGBoost). */
  private argmax(margins: Float32Array): Float32Array {
    const k = this.columns;
    const out = new Float32Array(margins.length / k);
    for (let r = 0; r < out.length; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if ((margins[r * k + c] ?? 0) > (margins[r * k + best] ?? 0)) best = c;
      out[r] = best;
    }
    return out;
  }

  /** Predictions of trees [0, treeLimit): all of them by default. */
  predict(data: Float32Array, rows: number, cols: number, treeLimit = this.roots.length): Float32Array {
    if (data.length !== rows * cols) throw new XGBoostError(`predict: ${data.length} values for ${rows}x${cols}`);
    return this.transform(this.margins(data, rows, cols, treeLimit));
  }
}
