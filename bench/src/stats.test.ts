import { describe, expect, test } from "vitest";
import { concatSamples, percentiles, quantileSorted, ratio, spread } from "./stats.js";

describe("quantileSorted", () => {
  test("nearest rank on 1..100", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileSorted(xs, 0.5)).toBe(50);
    expect(quantileSorted(xs, 0.99)).toBe(99);
    expect(quantileSorted(xs, 0.999)).toBe(100);
    expect(quantileSorted(xs, 0)).toBe(1);
    expect(quantileSorted(xs, 1)).toBe(100);
  });

  test("one sample is every quantile; none is NaN", () => {
    expect(quantileSorted([7], 0.5)).toBe(7);
    expect(quantileSorted([7], 0.999)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe("percentiles", () => {
  test("sorts a copy and reports count, mean and max", () => {
    const samples = new Float64Array([5, 1, 4, 2, 3]);
    const p = percentiles(samples);
    expect(p).toMatchObject({ count: 5, p50: 3, max: 5, mean: 3 });
    expect([...samples]).toEqual([5, 1, 4, 2, 3]);
  });

  test("p999 needs a thousand samples to differ from the max", () => {
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    const p = percentiles(xs);
    expect(p.p999).toBe(1997);
    expect(p.max).toBe(1999);
  });
});

describe("spread", () => {
  test("median of an odd and an even number of runs, with min and max", () => {
    expect(spread([3, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toMatchObject({ median: 2.5, min: 1, max: 4 });
  });

  test("ignores values that could not be measured but keeps them in runs", () => {
    const s = spread([NaN, 2, 4]);
    expect(s).toMatchObject({ median: 3, min: 2, max: 4 });
    expect(s.runs).toHaveLength(3);
    expect(spread([]).median).toBeNaN();
  });
});

test("ratio stays NaN instead of dividing by nothing", () => {
  expect(ratio(3, 2)).toBe(1.5);
  expect(ratio(3, 0)).toBeNaN();
  expect(ratio(NaN, 2)).toBeNaN();
});

test("concatSamples joins worker results in order", () => {
  expect([...concatSamples([new Float64Array([1, 2]), [3], []])]).toEqual([1, 2, 3]);
});
