import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ConfigSnapshot } from "@clawdbot/protocol";
import JSON5 from "json5";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Reads the config file into the original's snapshot shape (subsystems §A.3). A missing file is
 * valid and empty with the hash of "". Layering, `$include`, `${VAR}`, validation and secret
 * redaction are the config-service issue's work; here the file is reported as it is.
 */
export async function readConfigSnapshot(path: string): Promise<ConfigSnapshot> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return { path, exists: false, raw: null, parsed: {}, valid: true, config: {}, hash: sha256(""), issues: [], warnings: [], legacyIssues: [] };
    }
    return failed(path, null, `read failed: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    return failed(path, raw, `JSON5 parse failed: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return failed(path, raw, "config must be an object");
  }
  return { path, exists: true, raw, parsed, valid: true, config: parsed, hash: sha256(raw), issues: [], warnings: [], legacyIssues: [] };
}

function failed(path: string, raw: string | null, message: string): ConfigSnapshot {
  return {
    path,
    exists: raw !== null,
    raw,
    parsed: null,
    valid: false,
    config: {},
    hash: sha256(raw ?? ""),
    issues: [{ path: "", message }],
    warnings: [],
    legacyIssues: [],
  };
}
