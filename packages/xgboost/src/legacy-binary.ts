import type { TreeArrays, TreeModel } from './model-json.js';
import { XGBoostError } from './types.js';

// Byte layout of XGBoost's pre-1.0 binary model (what ml-xgboost, XGBoost ~0.72, saves):
// LearnerModelParam (136 B), objective and booster names (u64 length + bytes), GBTreeModelParam
// (160 B), then per tree TreeParam (148 B), nodes (parent, left, right, split index with the
// default-left bit, value: 20 B each), node stats (16 B each); then tree_info.
const LEARNER_PARAM_BYTES = 136;
const GBTREE_PARAM_BYTES = 160;
const TREE_PARAM_BYTES = 148;

class Reader {
  private offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): number {
    if (this.offset + n > this.bytes.length) throw new XGBoostError('legacy model is truncated');
    const at = this.offset;
    this.offset += n;
    return at;
  }
  i32 = () => this.view.getInt32(this.need(4), true);
  u32 = () => this.view.getUint32(this.need(4), true);
  f32 = () => this.view.getFloat32(this.need(4), true);
  skip = (n: number) => void this.need(n);
  peek4 = () => Buffer.from(this.bytes.subarray(this.offset, this.offset + 4)).toString('latin1');
  string(): string {
    const length = Number(this.view.getBigUint64(this.need(8), true));
    return Buffer.from(this.bytes.subarray(this.need(length), this.offset)).toString('utf8');
  }
}

interface RawNode {
  parent: number;
  left: number;
  right: number;
  sindex: number;
  value: number;
  lossChange: number;
  sumHess: number;
  baseWeight: number;
}

/** Renumbers the live nodes breadth-first from the root, dropping nodes the pruner deleted. */
function compact(nodes: RawNode[]): TreeArrays {
  const tree: TreeArrays = {
    left: [],
    right: [],
    parents: [],
    splitIndices: [],
    splitConditions: [],
    defaultLeft: [],
    baseWeights: [],
    lossChanges: [],
    sumHessian: [],
  };
  const queue: { old: number; parent: number }[] = [{ old: 0, parent: -1 }];
  for (let head = 0; head < queue.length; head++) {
    const { old, parent } = queue[head] as { old: number; parent: number };
    const node = nodes[old];
    if (!node) throw new XGBoostError(`legacy model: node ${old} out of range`);
    const id = head;
    const isLeaf = node.left === -1;
    tree.parents.push(parent);
    tree.splitIndices.push(isLeaf ? 0 : node.sindex & 0x7fffffff);
    tree.defaultLeft.push(!isLeaf && node.sindex >>> 31 === 1);
    tree.splitConditions.push(node.value);
    tree.baseWeights.push(node.baseWeight);
    tree.lossChanges.push(isLeaf ? 0 : node.lossChange);
    tree.sumHessian.push(node.sumHess);
    if (isLeaf) {
      tree.left.push(-1);
      tree.right.push(-1);
    } else {
      tree.left.push(queue.length);
      queue.push({ old: node.left, parent: id });
      tree.right.push(queue.length);
      queue.push({ old: node.right, parent: id });
    }
  }
  return tree;
}

/** Converts an XGBoost 0.x binary gbtree model into a TreeModel (then writable as XGBoost JSON). */
export function parseLegacyBinary(bytes: Uint8Array): TreeModel {
  const r = new Reader(bytes);
  if (r.peek4() === 'binf') r.skip(4);
  const baseScoreStored = r.f32();
  const numFeature = r.u32();
  const numClass = r.i32();
  r.skip(8);
  // 0 in 0.x files; 1.0 and later write their major version here (xgboost 2.x still saves this format as *.deprecated).
  const majorVersion = r.u32();
  r.skip(LEARNER_PARAM_BYTES - 24);
  const objective = r.string();
  const booster = r.string();
  if (booster !== 'gbtree') throw new XGBoostError(`legacy model: booster ${booster} is not supported`);
  const numTrees = r.i32();
  r.skip(GBTREE_PARAM_BYTES - 4);
  const trees: TreeArrays[] = [];
  for (let t = 0; t < numTrees; t++) {
    r.i32();
    const numNodes = r.i32();
    r.skip(12);
    const sizeLeafVector = r.i32();
    r.skip(TREE_PARAM_BYTES - 24);
    // A scalar leaf: 0 before 1.7, 1 since.
    if (sizeLeafVector > 1) throw new XGBoostError('legacy model: leaf vectors are not supported');
    const nodes: RawNode[] = [];
    for (let n = 0; n < numNodes; n++) {
      nodes.push({ parent: r.i32(), left: r.i32(), right: r.i32(), sindex: r.u32(), value: r.f32(), lossChange: 0, sumHess: 0, baseWeight: 0 });
    }
    for (const node of nodes) {
      node.lossChange = r.f32();
      node.sumHess = r.f32();
      node.baseWeight = r.f32();
      r.i32();
    }
    trees.push(compact(nodes));
  }
  const normalized = objective === 'reg:linear' ? 'reg:squarederror' : objective;
  // 0.x stores the base score as a margin; 1.0 and later, like XGBoost's JSON, in output space.
  const baseScore = majorVersion >= 1 || normalized === 'reg:squarederror' ? baseScoreStored : 1 / (1 + Math.exp(-baseScoreStored));
  if (numClass <= 1) return { objective: normalized, baseScore, numFeature, trees };
  // The class each tree scores follows the trees.
  const treeClass = Array.from({ length: numTrees }, () => r.i32());
  if (!normalized.startsWith('multi:') || treeClass.some((c) => c < 0 || c >= numClass)) throw new XGBoostError(`legacy model: ${normalized} with ${numClass} classes is not supported`);
  return { objective: normalized, baseScore, numFeature, trees, multiClass: { numClass, treeClass, baseScores: Array.from({ length: numClass }, () => baseScore) } };
}
