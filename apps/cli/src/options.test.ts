import { describe, expect, test } from "vitest";
import { CliError, ExitCode } from "./exit-codes.js";
import { parseParams, parsePositiveInt, parseTimeoutMs } from "./options.js";

describe("flag parsing", () => {
  test("--timeout: positive whole milliseconds, the default when absent", () => {
    expect(parseTimeoutMs(undefined, 10_000)).toBe(10_000);
    expect(parseTimeoutMs("2500", 10_000)).toBe(2_500);
    expect(parseTimeoutMs(" 30 ", 1)).toBe(30);
    for (const bad of ["0", "-1", "1.5", "soon", "1e3"]) {
      expect(() => parseTimeoutMs(bad, 1), bad).toThrow(new CliError(`invalid --timeout: ${bad}`, ExitCode.usage));
    }
  });

  test("--params: a JSON object, as the original's call takes", () => {
    expect(parseParams(undefined)).toEqual({});
    expect(parseParams('{"limit":5}')).toEqual({ limit: 5 });
    expect(() => parseParams("{limit:5}")).toThrow("--params must be valid JSON.");
    expect(() => parseParams("[1]")).toThrow("--params must be a JSON object.");
    try {
      parseParams("nope");
    } catch (err) {
      expect((err as CliError).exitCode).toBe(ExitCode.usage);
    }
  });

  test("positive integers", () => {
    expect(parsePositiveInt(undefined, "--limit")).toBeUndefined();
    expect(parsePositiveInt("7", "--limit")).toBe(7);
    expect(() => parsePositiveInt("0", "--limit")).toThrow("invalid --limit: 0");
  });
});
