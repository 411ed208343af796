import { decodeUbjson } from './ubjson.js';

/** Bytes from a mix of one-character markers and raw byte values. */
const ubj = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

test('when each scalar type is decoded, then it reads big-endian with its sign and width', () => {
  expect(decodeUbjson(ubj('i', [0xfe]))).toBe(-2);
  expect(decodeUbjson(ubj('U', [0xfe]))).toBe(254);
  expect(decodeUbjson(ubj('I', [0xff, 0x00]))).toBe(-256);
  expect(decodeUbjson(ubj('l', [0x00, 0x01, 0x00, 0x00]))).toBe(65536);
  expect(decodeUbjson(ubj('L', [0, 0, 0, 1, 0, 0, 0, 0]))).toBe(2 ** 32);
  expect(decodeUbjson(ubj('L', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(-1);
  expect(decodeUbjson(ubj('d', [0x3f, 0xc0, 0x00, 0x00]))).toBe(1.5);
  expect(decodeUbjson(ubj('d', [0x3d, 0xcc, 0xcc, 0xcd]))).toBe(Math.fround(0.1));
  expect(decodeUbjson(ubj('D', [0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]))).toBe(0.1);
  expect(decodeUbjson(ubj('T'))).toBe(true);
  expect(decodeUbjson(ubj('F'))).toBe(false);
  expect(decodeUbjson(ubj('Z'))).toBeNull();
  expect(decodeUbjson(ubj('C', 'x'))).toBe('x');
  expect(decodeUbjson(ubj('S', 'U', [3], 'abc'))).toBe('abc');
  expect(decodeUbjson(ubj('S', 'U', [2], [0xc3, 0xa9]))).toBe('é');
  expect(decodeUbjson(ubj('H', 'i', [4], '1e-3'))).toBe(0.001);
  expect(decodeUbjson(ubj('N', 'N', 'T'))).toBe(true);
});

test('when XGBoost-style typed containers are decoded, then every element is read at the header type', () => {
  // [$d#i<2> 1.5 -2.0] as XGBoost writes split_conditions, [$U#i<3>] as default_left, [$l#L<1>] as split_indices.
  expect(decodeUbjson(ubj('[$d#i', [2], [0x3f, 0xc0, 0, 0], [0xc0, 0, 0, 0]))).toEqual([1.5, -2]);
  expect(decodeUbjson(ubj('[$U#i', [3], [0, 1, 255]))).toEqual([0, 1, 255]);
  expect(decodeUbjson(ubj('[$l#L', [0, 0, 0, 0, 0, 0, 0, 1], [0x7f, 0xff, 0xff, 0xff]))).toEqual([2147483647]);
  expect(decodeUbjson(ubj('[$i#U', [0]))).toEqual([]);
  expect(decodeUbjson(ubj('[#i', [2], 'T', 'i', [5]))).toEqual([true, 5]);
  expect(decodeUbjson(ubj('{$i#i', [2], 'i', [1], 'a', [7], 'i', [1], 'b', [0xff]))).toEqual({ a: 7, b: -1 });
  expect(decodeUbjson(ubj('{#i', [1], 'i', [1], 'k', 'Z'))).toEqual({ k: null });
});

test('when containers nest without counts, then they end at their closing marker', () => {
  const doc = ubj('{', 'i', [7], 'learner', '{', 'i', [4], 'name', 'S', 'i', [6], 'gbtree', 'N', '}', 'i', [1], 'v', '[', 'i', [1], 'U', [2], ']', '}');
  expect(decodeUbjson(doc)).toEqual({ learner: { name: 'gbtree' }, v: [1, 2] });
});

test('when a key is __proto__, then it is an own property and the prototype is untouched', () => {
  const value = decodeUbjson(ubj('{', 'i', [9], '__proto__', '{', 'i', [1], 'x', 'T', '}', '}')) as Record<string, unknown>;
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  expect(Object.keys(value)).toEqual(['__proto__']);
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});

test('when the input is corrupt, then decoding fails naming the byte instead of returning garbage', () => {
  expect(() => decodeUbjson(ubj('l', [0, 1]))).toThrow(/truncated/);
  expect(() => decodeUbjson(ubj('[$d#l', [0x7f, 0xff, 0xff, 0xff], [0, 0, 0, 0]))).toThrow(/count 2147483647 exceeds the data/);
  expect(() => decodeUbjson(ubj('[$d#i', [0xff]))).toThrow(/expected a length, got -1/);
  expect(() => decodeUbjson(ubj('[$di', [1]))).toThrow(/needs a count/);
  expect(() => decodeUbjson(ubj('L', [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(/does not fit a double/);
  expect(() => decodeUbjson(ubj('X'))).toThrow(/UBJSON at byte 1: unknown type marker 0x58/);
  expect(() => decodeUbjson(ubj('[', 'T'))).toThrow(/truncated/);
  expect(() => decodeUbjson(ubj('T', 'T'))).toThrow(/1 bytes after the document/);
  expect(() => decodeUbjson(new Uint8Array())).toThrow(/empty/);
});
