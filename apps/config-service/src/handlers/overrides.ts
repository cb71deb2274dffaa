import { parsePath } from "@clawdbot/config";
import type { MethodSpec } from "@clawdbot/nats-rpc";
import { type ConfigOverrideResult, invalidRequest } from "@clawdbot/protocol";
import type { ConfigStore } from "../config-store.js";
import { method } from "./define.js";

function checkedPath(path: string): string {
  try {
    return parsePath(path).join(".");
  } catch (err) {
    throw invalidRequest((err as Error).message);
  }
}

/**
 * `config.override.*` (admin): the runtime layer, above file and environment, stored in the
 * config bucket so every replica and every service sees it, and never written to the file (the
 * original's in-memory `/debug` overrides, made cluster-wide).
 */
export function overrideHandlers(store: ConfigStore): Record<string, MethodSpec> {
  const answer = async (change: (current: Record<string, unknown>) => Record<string, unknown>): Promise<ConfigOverrideResult> => {
    const { overrides, published } = await store.changeOverrides(change);
    return { ok: true, overrides: overrides.sort(), effectiveHash: published.effective?.hash ?? "", plan: published.plan };
  };
  return {
    "config.override.set": method("config.override.set", (params) => {
      const path = checkedPath(params.path);
      if (params.value === undefined) throw invalidRequest("value is required; config.override.clear removes an override");
      return answer((current) => ({ ...current, [path]: params.value }));
    }),
    "config.override.clear": method("config.override.clear", (params) => {
      const path = params.path === undefined ? undefined : checkedPath(params.path);
      return answer((current) =>
        path === undefined ? {} : Object.fromEntries(Object.entries(current).filter(([p]) => p !== path && !p.startsWith(`${path}.`))),
      );
    }),
  };
}
