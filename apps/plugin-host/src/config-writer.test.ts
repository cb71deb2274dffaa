import { describe, expect, test } from "vitest";
import { applyMergePatch, enablementPatch } from "./config-writer.js";

describe("enablementPatch - what plugins.enable / plugins.disable write", () => {
  test("sets entries.<id>.enabled, and appends the id to an allowlist that exists", () => {
    expect(enablementPatch({}, "demo", true)).toEqual({ plugins: { entries: { demo: { enabled: true } } } });
    expect(enablementPatch({ plugins: { allow: ["a"] } }, "demo", true)).toEqual({ plugins: { entries: { demo: { enabled: true } }, allow: ["a", "demo"] } });
    expect(enablementPatch({ plugins: { allow: ["a"] } }, "demo", false)).toEqual({ plugins: { entries: { demo: { enabled: false } } } });
  });

  test("nothing to write when the config already says so", () => {
    expect(enablementPatch({ plugins: { entries: { demo: { enabled: true } } } }, "demo", true)).toBeUndefined();
    expect(enablementPatch({ plugins: { entries: { demo: { enabled: false, config: { a: 1 } } } } }, "demo", false)).toBeUndefined();
  });
});

describe("applyMergePatch - RFC 7386", () => {
  test("objects merge, null deletes, arrays and scalars replace", () => {
    const target = { plugins: { allow: ["a"], entries: { demo: { enabled: false, config: { x: 1 } } } }, gateway: { port: 1 } };
    expect(applyMergePatch(target, { plugins: { allow: ["b"], entries: { demo: { enabled: true, config: null } } } })).toEqual({
      plugins: { allow: ["b"], entries: { demo: { enabled: true } } },
      gateway: { port: 1 },
    });
    expect(target.plugins.entries.demo.enabled).toBe(false);
  });
});
