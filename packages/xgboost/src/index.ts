import { parseModelJson, TreeEnsemble } from './model-json.js';
import { nativeAvailable, NativeEngine, type TreeWalker } from './native-engine.js';
import { XGBoostError, type EngineKind, type XGBoostEngine } from './types.js';
import { WasmEngine } from './wasm-engine.js';

export * from './types.js';
export { nativeAvailable, nativeVersion } from './native-engine.js';
export { parseModelJson, parseModelObject, buildModelJson, TreeEnsemble, type TreeModel, type TreeArrays } from './model-json.js';
export { parseLegacyBinary } from './legacy-binary.js';
export { decodeUbjson, type UbjValue } from './ubjson.js';
export { modelFormatOf, parseModelFile, type ModelFormat } from './model-file.js';

const treeWalker: TreeWalker = (modelJson) => new TreeEnsemble(parseModelJson(modelJson));

/**
 * Returns an engine: `native` (libxgboost through koffi) or `wasm` (ml-xgboost). `auto` picks
 * native when libxgboost loads. Callers read XGBOOST_ENGINE from their config and pass it here.
 */
export async function createEngine(kind: EngineKind | 'auto' = 'auto'): Promise<XGBoostEngine> {
  if (kind === 'native') return new NativeEngine(treeWalker);
  if (kind === 'wasm') return WasmEngine.create();
  if (kind !== 'auto') throw new XGBoostError(`unknown XGBoost engine "${String(kind)}" (native, wasm or auto)`);
  return nativeAvailable() ? new NativeEngine(treeWalker) : WasmEngine.create();
}
