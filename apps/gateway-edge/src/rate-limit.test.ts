import { expect, test } from "vitest";
import { AuthRateLimiter } from "./rate-limit.js";

test("an address is limited after maxFailures within the window, until the oldest leaves it", () => {
  const limiter = new AuthRateLimiter({ maxFailures: 3, windowMs: 1_000 });
  const t0 = 10_000;
  for (let i = 0; i < 3; i++) {
    expect(limiter.retryAfterMs("a", t0 + i * 100)).toBe(0);
    limiter.recordFailure("a", t0 + i * 100);
  }
  expect(limiter.retryAfterMs("a", t0 + 300)).toBe(700); // the first failure leaves the window at t0 + 1000
  expect(limiter.retryAfterMs("b", t0 + 300)).toBe(0); // another address is unaffected
  expect(limiter.retryAfterMs("a", t0 + 1_001)).toBe(0);
});

test("a flood keeps being limited, and costs bounded memory", () => {
  const limiter = new AuthRateLimiter({ maxFailures: 2, windowMs: 1_000, maxAddresses: 3 });
  for (let t = 0; t < 50; t++) limiter.recordFailure("a", t);
  expect(limiter.retryAfterMs("a", 50)).toBe(1_000 - 50 + 48);
  for (const address of ["b", "c", "d"]) limiter.recordFailure(address, 60);
  // "a" was the least recently failing address and is forgotten first.
  expect(limiter.retryAfterMs("a", 61)).toBe(0);
});

test("maxFailures 0 turns the limit off", () => {
  const limiter = new AuthRateLimiter({ maxFailures: 0, windowMs: 1_000 });
  for (let i = 0; i < 100; i++) limiter.recordFailure("a", i);
  expect(limiter.enabled).toBe(false);
  expect(limiter.retryAfterMs("a", 100)).toBe(0);
});
