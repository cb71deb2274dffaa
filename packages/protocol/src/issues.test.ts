import { describe, expect, test } from "vitest";
import * as z from "zod";
import { formatParamsIssues } from "./issues.js";
import { SessionsListParams } from "./methods/sessions.js";

const issuesOf = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected a validation failure");
  return parsed.error.issues;
};

describe("formatParamsIssues - the original's summary format (spec §5.1)", () => {
  test("an unknown key on a strict object: `at root: unexpected property 'x'`", () => {
    expect(formatParamsIssues(issuesOf(SessionsListParams, { x: 1 }))).toBe("at root: unexpected property 'x'");
  });

  test("one entry per unknown key", () => {
    expect(formatParamsIssues(issuesOf(SessionsListParams, { x: 1, y: 2 }))).toBe(
      "at root: unexpected property 'x'; at root: unexpected property 'y'",
    );
  });

  test("a bad value: `at /limit: <message>`", () => {
    const summary = formatParamsIssues(issuesOf(SessionsListParams, { limit: 0 }));
    expect(summary).toMatch(/^at \/limit: \S.*$/);
    expect(summary).not.toContain(";");
  });

  test("both forms together, joined with '; '", () => {
    const parts = formatParamsIssues(issuesOf(SessionsListParams, { limit: 0, x: 1 })).split("; ");
    expect(parts).toHaveLength(2);
    expect(parts).toContainEqual(expect.stringMatching(/^at \/limit: \S/));
    expect(parts).toContain("at root: unexpected property 'x'");
  });

  test("nested paths and array indexes are JSON-pointer-like", () => {
    const schema = z.strictObject({
      client: z.strictObject({ id: z.string() }),
      tags: z.array(z.string().min(1)),
    });
    const parts = formatParamsIssues(issuesOf(schema, { client: { id: "a", extra: true }, tags: ["ok", ""] })).split("; ");
    expect(parts).toContain("at /client: unexpected property 'extra'");
    expect(parts).toContainEqual(expect.stringMatching(/^at \/tags\/1: \S/));
  });

  test("a non-object at the top: `at root: <message>`", () => {
    expect(formatParamsIssues(issuesOf(SessionsListParams, "nope"))).toMatch(/^at root: \S/);
  });

  test("identical issues are reported once", () => {
    const issues = issuesOf(SessionsListParams, { limit: 0, x: 1 });
    const once = formatParamsIssues(issues);
    expect(formatParamsIssues([...issues, ...issues, ...issues])).toBe(once);
    // Two checks failing with the same text at the same place also collapse.
    const twice = issuesOf(z.object({ name: z.string().min(3).min(3) }), { name: "" });
    expect(twice).toHaveLength(2);
    expect(formatParamsIssues(twice).split("; ")).toHaveLength(1);
  });

  test("no issues, no text", () => {
    expect(formatParamsIssues([])).toBe("");
  });
});
