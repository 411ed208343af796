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
}

// XGBoost writes scalars as strings ("5E-1"); 3.x writes the base score as a vector ("[5E-1]").
const numberLike = z.union([z.number(), z.string()]).transform((v) => (typeof v === 'number' ? v : Number(v.replace(/^\[([^,\]]*).*\]$/, '$1'))));
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
    learner_model_param: z.object({ base_score: numberLike, num_feature: numberLike, num_class: numberLike.optional() }),
    objective: z.object({ name: z.string() }),
    gradient_booster: z.object({
      name: z.literal('gbtree', { message: 'only gbtree models are supported' }),
      model: z.object({ trees: z.array(treeSchema), tree_info: z.array(z.number()) }),
    }),
  }),
});

const SUPPORTED_OBJECTIVES = new Set(['binary:logistic', 'reg:squarederror', 'reg:logistic']);

/** Reads XGBoost's JSON model (any version from 1.0) into plain arrays. */
export function parseModelJson(json: string | Uint8Array): TreeModel {
  const text = typeof json === 'string' ? json : Buffer.from(json).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new XGBoostError('model is not JSON (only XGBoost JSON models can be loaded)', { cause: e });
  }
  const parsed = modelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new XGBoostError(`not an XGBoost JSON model: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { learner } = parsed.data;
  if (!SUPPORTED_OBJECTIVES.has(learner.objective.name)) throw new XGBoostError(`unsupported objective ${learner.objective.name}`);
  if ((learner.learner_model_param.num_class ?? 0) > 1) throw new XGBoostError('multi-class models are not supported');
  return {
    objective: learner.objective.name,
    baseScore: learner.learner_model_param.base_score,
    numFeature: learner.learner_model_param.num_feature,
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
 * match libxgboost's to float precision.
 */
export class TreeEnsemble {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float32Array;
  private readonly defaultLeft: Uint8Array;
  private readonly roots: Int32Array;
  private readonly margin: number;
  private readonly logistic: boolean;

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
    // As libxgboost computes it: -logf(1.0f / base_score - 1.0f) in float32.
    this.logistic = model.objective !== 'reg:squarederror';
    this.margin = this.logistic ? Math.fround(-Math.log(Math.fround(Math.fround(1 / Math.fround(model.baseScore)) - 1))) : Math.fround(model.baseScore);
    this.logistic = model.objective !== 'reg:squarederror';
  }

  get numTrees(): number {
    return this.roots.length;
  }

  /** Raw scores (before the logistic transform) of trees [0, treeLimit). */
  margins(data: Float32Array, rows: number, cols: number, treeLimit = this.roots.length): Float32Array {
    const out = new Float32Array(rows).fill(this.margin);
    for (let t = 0; t < treeLimit; t++) this.addTree(t, data, rows, cols, out);
    return out;
  }

  /** Adds tree t's leaf values to the running margins (used for round-by-round early stopping). */
  addTree(t: number, data: Float32Array, rows: number, cols: number, out: Float32Array): void {
    const { left, right, feature, threshold, defaultLeft } = this;
    const root = this.roots[t] ?? 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let node = root;
      let l = left[node] ?? -1;
      while (l >= 0) {
        const v = data[base + (feature[node] ?? 0)] ?? Number.NaN;
        node = Number.isNaN(v) ? (defaultLeft[node] ? l : (right[node] ?? 0)) : v < (threshold[node] ?? 0) ? l : (right[node] ?? 0);
        l = left[node] ?? -1;
      }
      out[r] = Math.fround((out[r] ?? 0) + (threshold[node] ?? 0));
    }
  }

  /** XGBoost's float32 sigmoid, 1.0f / (1.0f + expf(-x)), rounded at each step as the C++ does. */
  transform(margins: Float32Array): Float32Array {
    if (!this.logistic) return margins;
    return margins.map((m) => Math.fround(1 / Math.fround(1 + Math.fround(Math.exp(-m)))));
  }

  predict(data: Float32Array, rows: number, cols: number): Float32Array {
    if (data.length !== rows * cols) throw new XGBoostError(`predict: ${data.length} values for ${rows}x${cols}`);
    return this.transform(this.margins(data, rows, cols));
  }
}
