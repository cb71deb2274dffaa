import type * as z from "zod";

/**
 * Summarises validation issues the way the original does (spec §5.1): `at /path: message`, or
 * `at root: unexpected property 'x'`, joined with "; " and de-duplicated.
 */
export function formatParamsIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = new Set<string>();
  for (const issue of issues) {
    const where = issue.path.length === 0 ? "root" : "/" + issue.path.map(String).join("/");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) parts.add(`at ${where}: unexpected property '${key}'`);
    } else {
      parts.add(`at ${where}: ${issue.message}`);
    }
  }
  return [...parts].join("; ");
}
