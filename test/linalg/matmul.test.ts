import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmul, matmulNT, matmulTN } from '../../src/linalg/index.js';
import { naiveProduct, randomMatrix } from './support.js';

/** Each product with how its operands are stored, so one property covers all three. */
const variants = [
  { name: 'matmul', f: matmul, at: false, bt: false },
  { name: 'matmulTN', f: matmulTN, at: true, bt: false },
  { name: 'matmulNT', f: matmulNT, at: false, bt: true },
] as const;

// Shapes around the 4×4 tile and the 256-deep k-block, plus the skinny layer shapes.
const dimension = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 70 }), fc.constantFrom(13, 16, 255, 257));

describe.each(variants)('$name', ({ f, at, bt }) => {
  it('matches the naive triple loop on random shapes', () => {
    fc.assert(
      fc.property(dimension, dimension, dimension, fc.integer(), (m, k, n, seed) => {
        fc.pre(m * k * n <= 400_000);
        const a = randomMatrix(m, k, seed), b = randomMatrix(k, n, seed + 1);
        const expected = naiveProduct(a, b, m, k, n, at, bt);
        const got = f(a, b, m, k, n);
        for (let i = 0; i < expected.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(1e-13 * k);
      }),
      { numRuns: 60 },
    );
  });

  it('overwrites out instead of accumulating into it', () => {
    const a = randomMatrix(5, 3, 1), b = randomMatrix(3, 6, 2);
    const out = new Float64Array(30).fill(99);
    const result = f(a, b, 5, 3, 6, out);
    expect(result).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(f(a, b, 5, 3, 6)));
  });

  it('handles empty dimensions (k = 0 gives zeros)', () => {
    expect(Array.from(f(new Float64Array(0), new Float64Array(0), 2, 0, 3))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(f(new Float64Array(0), new Float64Array(6), 0, 2, 3).length).toBe(0);
  });

  it('rejects wrong lengths, naming the function', () => {
    expect(() => f(new Float64Array(5), new Float64Array(6), 2, 3, 2)).toThrow(/has length 5, expected/);
    expect(() => f(new Float64Array(4), new Float64Array(4), 2, 2, 2, new Float64Array(3))).toThrow(/out has length 3/);
    expect(() => f(new Float64Array(4), new Float64Array(4), 2, 2.5, 2)).toThrow(/must be non-negative integers/);
  });

  // Values are not checked (it cost 8–21% on training shapes); non-finite input must still
  // show in the product, including through the zero padding of edge tiles.
  it('propagates NaN and Infinity from either operand into the product', () => {
    const m = 5, k = 3, n = 6;
    const a = randomMatrix(m, k, 3), b = randomMatrix(k, n, 4);
    a[at ? 1 * m + 4 : 4 * k + 1] = NaN; // A(4, 1), wherever the layout stores it
    const withNaN = f(a, b, m, k, n);
    for (let j = 0; j < n; j++) expect(withNaN[4 * n + j]).toBeNaN();
    expect(withNaN.slice(0, 4 * n).every(Number.isFinite)).toBe(true);
    const c = randomMatrix(m, k, 3), d = new Float64Array(k * n);
    d[bt ? 5 * k + 2 : 2 * n + 5] = Infinity; // B(2, 5) times A's column 2, some of it zero
    c[3 * (at ? 1 : k) + 2 * (at ? m : 1)] = 0;
    const withInfinity = f(c, d, m, k, n);
    for (let i = 0; i < m; i++) expect(Number.isFinite(withInfinity[i * n + 5]!)).toBe(false);
  });
});

it('the doc examples hold', () => {
  expect(Array.from(matmul(new Float64Array([1, 2]), new Float64Array([3, 4]), 1, 2, 1))).toEqual([11]);
  expect(Array.from(matmulTN(new Float64Array([1, 2]), new Float64Array([3, 4]), 2, 1, 2))).toEqual([3, 4, 6, 8]);
  expect(Array.from(matmulNT(new Float64Array([1, 2]), new Float64Array([3, 4, 5, 6]), 1, 2, 2))).toEqual([11, 17]);
});
