import type { MethodSpec } from "@clawdbot/nats-rpc";
import { readConfigSnapshot } from "../config-snapshot.js";

/** The `config.*` family. */
export function configHandlers(deps: { configPath: string }): Record<string, MethodSpec> {
  return {
    "config.get": { handler: () => readConfigSnapshot(deps.configPath) },
  };
}
