import { describe, expect, test } from "vitest";
import { DEFAULT_BACKOFF, backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  test("doubles from 1 s and is capped at 30 s, as the reference client (random at its maximum)", () => {
    const top = () => 1;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, {}, top))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(DEFAULT_BACKOFF).toEqual({ initialDelayMs: 1000, maxDelayMs: 30000, factor: 2, jitter: 0.5 });
  });

  test("jitter takes up to the given fraction off the exponential delay", () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(4000);
    expect(backoffDelay(3, {}, () => 0.5)).toBe(6000);
    expect(backoffDelay(3, { jitter: 1 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { jitter: 0 }, () => 0)).toBe(8000);
  });

  test("custom timing: browser-like 800 ms × 1.7 capped at 15 s", () => {
    const opts = { initialDelayMs: 800, factor: 1.7, maxDelayMs: 15_000, jitter: 0 };
    expect([0, 1, 2, 8].map((n) => backoffDelay(n, opts))).toEqual([800, 1360, 2312, 15000]);
  });

  test("real jitter stays within bounds", () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(2, {});
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });
});
