import { seededRandom } from '@churn/churn-data';
import { sortedFloat64, sortOrder } from './radix-sort.js';

describe('sortedFloat64', () => {
  it.each([
    ['chances with ties', 50_000, (r: () => number) => Math.round(r() * 1_000) / 1_000],
    ['signed values of every magnitude', 20_000, (r: () => number) => (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20)],
    ['few values', 100, (r: () => number) => r()],
  ])('given %s, when sorted, then the result equals the native typed-array sort', (_, n, draw) => {
    const random = seededRandom(5);
    const values = Float64Array.from({ length: n }, () => draw(random));
    expect(sortedFloat64(values)).toEqual(Float64Array.from(values).sort());
  });

  it('given -0, +0, infinities and NaN among many values, when sorted, then they land where the native sort puts them', () => {
    const random = seededRandom(8);
    const values = Float64Array.from({ length: 5_000 }, (_, i) => [-0, 0, Infinity, -Infinity, Number.NaN][i % 7] ?? random() - 0.5);
    const sorted = sortedFloat64(values);
    const native = Float64Array.from(values).sort();
    expect(sorted.map((v) => (Object.is(v, -0) ? -1 : 0))).toEqual(native.map((v) => (Object.is(v, -0) ? -1 : 0)));
    expect(sorted).toEqual(native);
  });
});

describe('sortOrder', () => {
  it('given equal values, when ordered, then they keep their input order (stable), large or small', () => {
    for (const n of [10, 10_000]) {
      const values = Float64Array.from({ length: n }, (_, i) => i % 3);
      const order = [...sortOrder(values)];
      expect(order).toEqual([...order].sort((a, b) => (values[a] as number) - (values[b] as number) || a - b));
    }
  });
});
