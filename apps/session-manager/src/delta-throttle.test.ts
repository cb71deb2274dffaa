import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { DeltaThrottle } from "./delta-throttle.js";

describe("DeltaThrottle", () => {
  let sent: [string, number][];
  let throttle: DeltaThrottle;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    throttle = new DeltaThrottle(150, (text, seq) => sent.push([text, seq]));
  });
  afterEach(() => vi.useRealTimers());

  test("the first update goes out at once", () => {
    throttle.update("a", 2);
    expect(sent).toEqual([["a", 2]]);
  });

  test("updates inside the window are held, and the latest goes out when it closes", () => {
    throttle.update("a", 2);
    vi.advanceTimersByTime(50);
    throttle.update("a b", 3);
    throttle.update("a b c", 4);
    expect(sent).toEqual([["a", 2]]);
    vi.advanceTimersByTime(99);
    expect(sent).toEqual([["a", 2]]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([["a", 2], ["a b c", 4]]);
  });

  test("never two deltas closer than the interval", () => {
    const times: number[] = [];
    const t = new DeltaThrottle(150, () => times.push(Date.now()));
    for (let i = 0; i < 100; i++) {
      t.update(`x${i}`, i);
      vi.advanceTimersByTime(7);
    }
    t.flush();
    for (let i = 1; i < times.length - 1; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(150);
  });

  test("flush sends the held update at once (trailing flush before final)", () => {
    throttle.update("a", 2);
    throttle.update("a b", 3);
    throttle.flush();
    expect(sent).toEqual([["a", 2], ["a b", 3]]);
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(2);
  });

  test("flush with nothing held sends nothing; cancel drops the held update", () => {
    throttle.update("a", 2);
    throttle.flush();
    throttle.update("a b", 3);
    throttle.cancel();
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([["a", 2]]);
  });

  test("an update after a quiet period goes out at once", () => {
    throttle.update("a", 2);
    vi.advanceTimersByTime(500);
    throttle.update("a b", 3);
    expect(sent).toEqual([["a", 2], ["a b", 3]]);
  });
});
