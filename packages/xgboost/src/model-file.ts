import { parseLegacyBinary } from './legacy-binary.js';
import { parseModelJson, parseModelObject, type TreeModel } from './model-json.js';
import { decodeUbjson } from './ubjson.js';

/** The three files an XGBoost model is saved as: model.json, model.ubj (2.x and 3.x default), and the pre-1.0 binary (model.xgb). */
export type ModelFormat = 'json' | 'ubj' | 'legacy';

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
// After UBJSON's '{', a key's length marker (int8, uint8, int16, int32, int64) or an optimized-container header.
const UBJ_AFTER_BRACE = new Set([...'iUIlL$#'].map((c) => c.charCodeAt(0)));

/** Tells the format by the first bytes, since file names (MLflow's `data` key, a user's upload) cannot be trusted. */
export function modelFormatOf(bytes: Uint8Array): ModelFormat {
  let i = 0;
  while (i < bytes.length && isSpace(bytes[i] ?? 0)) i++;
  if (bytes[i] !== 0x7b /* { */) return 'legacy';
  if (i === 0 && UBJ_AFTER_BRACE.has(bytes[1] ?? 0)) return 'ubj';
  return 'json';
}

/** Reads an XGBoost model in any of its file formats into the in-memory model. */
export function parseModelFile(bytes: Uint8Array, format: ModelFormat = modelFormatOf(bytes)): TreeModel {
  if (format === 'ubj') return parseModelObject(decodeUbjson(bytes));
  if (format === 'json') return parseModelJson(bytes);
  return parseLegacyBinary(bytes);
}
