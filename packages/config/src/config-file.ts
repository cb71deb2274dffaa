import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ConfigIssue } from "@clawdbot/protocol";
import JSON5 from "json5";
import { envWithConfigVars, MissingEnvVarError, type Substitution, substituteEnv } from "./env-substitution.js";
import { ConfigIncludeError, resolveIncludes } from "./includes.js";
import { findLegacyIssues } from "./legacy-rules.js";
import { isPlainObject, type JsonObject } from "./paths.js";
import type { ClawdbotConfig } from "./schema.js";
import { validateConfig } from "./validate.js";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The config file as read, through the original's load pipeline (subsystems §A.3): read,
 * JSON5, legacy detection, `$include`, the `env` block and `${VAR}`, validation. Each stage's
 * failure is one root issue, as the original reports it.
 */
export interface ConfigFile {
  path: string;
  exists: boolean;
  /** The file text, or null when missing. */
  raw: string | null;
  /** sha256 of `raw` ("" when missing): the optimistic-concurrency token. */
  hash: string;
  /** JSON5 of `raw`, before `$include` and `${VAR}`: what writes edit, so neither is ever flattened. */
  parsed: unknown;
  /** After `$include` and `${VAR}`: the file layer. Null when a stage failed. */
  resolved: JsonObject | null;
  /** The file layer validated, with defaults. Null when invalid. */
  config: ClawdbotConfig | null;
  valid: boolean;
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
  legacyIssues: ConfigIssue[];
  /** Files read through `$include`; they are watched like the file itself. */
  includedFiles: string[];
  substitutions: Substitution[];
}

export interface ReadConfigOptions {
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
}

/** Reads and checks the config file; never throws (a broken file is an invalid result). */
export function readConfigFile(path: string, options: ReadConfigOptions = {}): ConfigFile {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  let raw: string;
  try {
    raw = readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return evaluate(path, null, {}, options);
    return failed(path, null, undefined, `read failed: ${(err as Error).message}`);
  }
  return evaluateConfigText(path, raw, options);
}

/** Runs the pipeline on text that is not (yet) the file: what a write would produce. */
export function evaluateConfigText(path: string, raw: string, options: ReadConfigOptions = {}): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    return failed(path, raw, undefined, `JSON5 parse failed: ${(err as Error).message}`);
  }
  return evaluate(path, raw, parsed, options);
}

function evaluate(path: string, raw: string | null, parsed: unknown, options: ReadConfigOptions): ConfigFile {
  if (!isPlainObject(parsed)) return failed(path, raw, parsed, "config must be an object");
  const legacyIssues = findLegacyIssues(parsed);
  let included: ReturnType<typeof resolveIncludes>;
  try {
    included = resolveIncludes(parsed, path, options.readFile);
  } catch (err) {
    if (err instanceof ConfigIncludeError) return failed(path, raw, parsed, err.message, legacyIssues);
    throw err;
  }
  let substituted: ReturnType<typeof substituteEnv>;
  try {
    substituted = substituteEnv(included.value, envWithConfigVars(included.value, options.env ?? process.env));
  } catch (err) {
    if (err instanceof MissingEnvVarError) return failed(path, raw, parsed, err.message, legacyIssues, included.files);
    throw err;
  }
  if (!isPlainObject(substituted.value)) return failed(path, raw, parsed, "included content must be an object", legacyIssues, included.files);
  const resolved = substituted.value;
  const base = {
    path,
    exists: raw !== null,
    raw,
    hash: sha256(raw ?? ""),
    parsed,
    resolved,
    legacyIssues,
    includedFiles: included.files,
    substitutions: substituted.substitutions,
  };
  // The original's legacy gate: old shapes make the file invalid until migrated (§A.5).
  const result = legacyIssues.length > 0 ? null : validateConfig(resolved);
  if (!result) return { ...base, config: null, valid: false, issues: legacyIssues, warnings: [] };
  if (!result.ok) return { ...base, config: null, valid: false, issues: result.issues, warnings: result.warnings };
  return { ...base, config: result.config, valid: true, issues: [], warnings: result.warnings };
}

function failed(
  path: string,
  raw: string | null,
  parsed: unknown,
  message: string,
  legacyIssues: ConfigIssue[] = [],
  includedFiles: string[] = [],
): ConfigFile {
  return {
    path,
    exists: raw !== null,
    raw,
    hash: sha256(raw ?? ""),
    parsed: parsed ?? null,
    resolved: null,
    config: null,
    valid: false,
    issues: [{ path: "", message }],
    warnings: [],
    legacyIssues,
    includedFiles,
    substitutions: [],
  };
}
