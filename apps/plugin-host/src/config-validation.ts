import type { ConfigIssue } from "@clawdbot/protocol";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

export type ConfigCheck = { ok: true; value: Record<string, unknown> } | { ok: false; issues: ConfigIssue[]; error: string };

/**
 * Checks `plugins.entries.<id>.config` against the manifest's JSON Schema with Ajv (`allErrors`,
 * `strict: false`, as the original), before any plugin code runs. Unlike the original, the
 * schema's `default`s are filled into the value the plugin receives. Compiled schemas are cached
 * by manifest path and mtime.
 */
export class PluginConfigValidator {
  readonly #ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
  readonly #compiled = new Map<string, ValidateFunction | Error>();

  check(pluginId: string, manifestKey: string, schema: Record<string, unknown>, value: unknown): ConfigCheck {
    const base = `plugins.entries.${pluginId}.config`;
    const validate = this.#compile(manifestKey, schema);
    if (validate instanceof Error) {
      const message = `invalid config schema in manifest: ${validate.message}`;
      return { ok: false, issues: [{ path: base, message }], error: message };
    }
    // Defaults are written into the copy the plugin gets, never into the config object itself.
    const copy: unknown = value === undefined ? {} : structuredClone(value);
    if (validate(copy)) return { ok: true, value: copy as Record<string, unknown> };
    const issues = (validate.errors ?? []).map((e) => toIssue(base, e));
    const summary = issues.map((i) => `${i.path.slice(base.length + 1) || "<root>"}: ${i.message}`).join("; ");
    return { ok: false, issues, error: `invalid config: ${summary}` };
  }

  #compile(key: string, schema: Record<string, unknown>): ValidateFunction | Error {
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      try {
        // A manifest edited in place keeps its `$id`; Ajv refuses a second schema with one id.
        if (typeof schema.$id === "string") this.#ajv.removeSchema(schema.$id);
        compiled = this.#ajv.compile(schema);
      } catch (err) {
        compiled = err as Error;
      }
      this.#compiled.set(key, compiled);
    }
    return compiled;
  }
}

function toIssue(base: string, error: ErrorObject): ConfigIssue {
  const segments = error.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const path = [base, ...segments].join(".");
  const extra = error.keyword === "additionalProperties" ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})` : "";
  return { path, message: `${error.message ?? "is invalid"}${extra}` };
}
