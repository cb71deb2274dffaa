import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A temporary directory to lay plugins out in; `write` creates parents as needed. */
export function scratchDir(prefix = "plugin-host-"): { dir: string; write: (path: string, content: string | object) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write: (path, content) => {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, typeof content === "string" ? content : JSON.stringify(content, null, 2));
      return full;
    },
  };
}

export const EMPTY_SCHEMA = { type: "object", additionalProperties: false, properties: {} };

export function manifest(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, configSchema: EMPTY_SCHEMA, ...extra };
}
