import { describe, expect, test } from "vitest";
import { DEFAULT_TRIGGERS, normalizeTriggers } from "./triggers.js";

describe("normalizeTriggers - the original's voicewake.set normalization", () => {
  test("trims, drops empties and non-strings, keeps order", () => {
    expect(normalizeTriggers(["  hey ", "", 3, null, "computer", "   "])).toEqual(["hey", "computer"]);
  });

  test("falls back to the defaults when nothing is left", () => {
    expect(normalizeTriggers([])).toEqual([...DEFAULT_TRIGGERS]);
    expect(normalizeTriggers(["  ", 1])).toEqual([...DEFAULT_TRIGGERS]);
    expect(normalizeTriggers("clawd")).toEqual([...DEFAULT_TRIGGERS]);
  });

  test("caps the list at 32 triggers of at most 64 characters", () => {
    const many = Array.from({ length: 40 }, (_, i) => `w${i}`);
    expect(normalizeTriggers(many)).toHaveLength(32);
    expect(normalizeTriggers(["x".repeat(100)])).toEqual(["x".repeat(64)]);
  });
});
