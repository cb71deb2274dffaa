import type { ConfigIssue } from "@clawdbot/protocol";
import type * as z from "zod";
import { type ClawdbotConfig, ConfigSchema, IMPLEMENTED_SECTIONS, KEPT_SECTIONS } from "./schema.js";
import { isPlainObject } from "./paths.js";

export type ValidationResult =
  | { ok: true; config: ClawdbotConfig; issues: []; warnings: ConfigIssue[] }
  | { ok: false; config: null; issues: ConfigIssue[]; warnings: ConfigIssue[] };

const implemented = new Set<string>([...IMPLEMENTED_SECTIONS, "$schema"]);
const kept = new Set<string>(KEPT_SECTIONS);

/** Issues with dot paths ("" = root), the original's shape; unknown keys name the key itself. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...base, key].join("."), message: `Unrecognized key: "${key}"` }));
    }
    return [{ path: base.join("."), message: issue.message }];
  });
}

/** Sections kept without being run: never an error, always said. */
export function sectionWarnings(config: unknown): ConfigIssue[] {
  if (!isPlainObject(config)) return [];
  return Object.keys(config)
    .filter((key) => !implemented.has(key))
    .map((key) => ({
      path: key,
      message: kept.has(key)
        ? `${key} is not run by this gateway; kept as it is`
        : `${key} is not a known section (of this gateway or the original); kept as it is`,
    }));
}

/** Checks a config tree against the schema and fills in defaults. */
export function validateConfig(value: unknown): ValidationResult {
  const warnings = sectionWarnings(value);
  const parsed = ConfigSchema.safeParse(value);
  if (!parsed.success) return { ok: false, config: null, issues: formatIssues(parsed.error.issues), warnings };
  return { ok: true, config: parsed.data, issues: [], warnings };
}
