import { XGBoostError } from './types.js';

/** A decoded UBJSON value: what JSON.parse would give for the same document. */
export type UbjValue = null | boolean | number | string | UbjValue[] | { [key: string]: UbjValue };

const NO_OP = 0x4e; // 'N'

/**
 * Decodes Universal Binary JSON (ubjson.org, draft 12) as XGBoost writes model.ubj (the default
 * format of xgboost 2.x and 3.x and of MLflow 3): big-endian numbers, and the optimized containers
 * `[$<type>#<count>` in which XGBoost stores every node array. int64 values beyond 2^53 are refused
 * rather than rounded.
 */
export function decodeUbjson(bytes: Uint8Array): UbjValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;

  const fail = (message: string): never => {
    throw new XGBoostError(`UBJSON at byte ${at}: ${message}`);
  };
  const take = (n: number): number => {
    if (at + n > bytes.length) fail('truncated');
    const start = at;
    at += n;
    return start;
  };
  const marker = (): number => {
    let m = view.getUint8(take(1));
    while (m === NO_OP) m = view.getUint8(take(1));
    return m;
  };

  const int64 = (): number => {
    const big = view.getBigInt64(take(8));
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) fail(`int64 ${big} does not fit a double exactly`);
    return Number(big);
  };

  const text = (): string => {
    const length = count(marker());
    const start = take(length);
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('utf8');
  };

  /** A length or count: any integer type, never negative. */
  function count(type: number): number {
    const n = scalar(type);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return fail(`expected a length, got ${JSON.stringify(n)}`);
    return n;
  }

  function scalar(type: number): UbjValue {
    switch (String.fromCharCode(type)) {
      case 'Z':
        return null;
      case 'T':
        return true;
      case 'F':
        return false;
      case 'i':
        return view.getInt8(take(1));
      case 'U':
        return view.getUint8(take(1));
      case 'I':
        return view.getInt16(take(2));
      case 'l':
        return view.getInt32(take(4));
      case 'L':
        return int64();
      case 'd':
        return view.getFloat32(take(4));
      case 'D':
        return view.getFloat64(take(8));
      case 'C':
        return String.fromCharCode(view.getUint8(take(1)));
      case 'S':
        return text();
      case 'H': {
        const digits = text();
        const n = Number(digits);
        return Number.isNaN(n) ? fail(`high-precision number "${digits}" is not a number`) : n;
      }
      case '[':
        return array();
      case '{':
        return object();
      default:
        return fail(`unknown type marker 0x${type.toString(16)}`);
    }
  }

  /** The `$type` and `#count` header of an optimized container, when present. */
  function header(): { type?: number; length?: number } {
    const next = view.getUint8(at);
    if (next === 0x24 /* $ */) {
      take(1);
      const type = view.getUint8(take(1));
      if (view.getUint8(take(1)) !== 0x23 /* # */) fail('a typed container needs a count');
      return { type, length: count(marker()) };
    }
    if (next === 0x23 /* # */) {
      take(1);
      return { length: count(marker()) };
    }
    return {};
  }

  function array(): UbjValue[] {
    if (at >= bytes.length) fail('truncated');
    const { type, length } = header();
    const out: UbjValue[] = [];
    if (length !== undefined) {
      // A count larger than the bytes left is corrupt; checked before allocating.
      if (length > bytes.length - at && type !== 0x5a && type !== 0x54 && type !== 0x46) fail(`count ${length} exceeds the data`);
      for (let i = 0; i < length; i++) out.push(scalar(type ?? marker()));
      return out;
    }
    for (let m = marker(); m !== 0x5d /* ] */; m = marker()) out.push(scalar(m));
    return out;
  }

  function object(): { [key: string]: UbjValue } {
    if (at >= bytes.length) fail('truncated');
    const { type, length } = header();
    const out: { [key: string]: UbjValue } = {};
    // Keys are strings without their 'S' marker.
    const entry = (key: string) => {
      Object.defineProperty(out, key, { value: scalar(type ?? marker()), enumerable: true, writable: true, configurable: true });
    };
    if (length !== undefined) {
      if (length > bytes.length - at) fail(`count ${length} exceeds the data`);
      for (let i = 0; i < length; i++) entry(text());
      return out;
    }
    for (;;) {
      if (at >= bytes.length) fail('truncated');
      if (view.getUint8(at) === 0x7d /* } */) {
        take(1);
        return out;
      }
      if (view.getUint8(at) === NO_OP) {
        take(1);
        continue;
      }
      entry(text());
    }
  }

  if (bytes.length === 0) fail('empty input');
  const value = scalar(marker());
  if (at !== bytes.length) fail(`${bytes.length - at} bytes after the document`);
  return value;
}
