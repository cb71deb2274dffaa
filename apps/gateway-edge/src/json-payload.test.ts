import { describe, expect, test, vi } from "vitest";
import { JsonMemo } from "./json-payload.js";

describe("JsonMemo - one serialisation per state version", () => {
  test("the same key within the age reuses the text; a new key rebuilds at once", () => {
    const memo = new JsonMemo(60_000);
    let builds = 0;
    const build = () => ({ n: ++builds });
    const first = memo.get("v1", build);
    expect(memo.get("v1", build)).toBe(first);
    expect(first.json).toBe('{"n":1}');
    expect(memo.get("v2", build).json).toBe('{"n":2}');
    expect(builds).toBe(2);
  });

  test("an unchanged key is rebuilt once the text is older than the age", () => {
    vi.useFakeTimers({ now: 1_000 });
    try {
      const memo = new JsonMemo(500);
      let builds = 0;
      memo.get("v", () => ++builds);
      vi.setSystemTime(1_499);
      expect(memo.get("v", () => ++builds).json).toBe("1");
      vi.setSystemTime(1_500);
      expect(memo.get("v", () => ++builds).json).toBe("2");
    } finally {
      vi.useRealTimers();
    }
  });

  test("an undefined value is sent as null, as a service's would be", () => {
    expect(new JsonMemo(1).get("k", () => undefined).json).toBe("null");
  });
});
