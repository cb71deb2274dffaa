import type { PluginsListResult } from "@clawdbot/protocol";
import type { MethodSpec } from "@clawdbot/nats-rpc";

/** The `plugins.*` family. No plugin loader yet (the plugin-host issue adds it): none are loaded. */
export function pluginsHandlers(): Record<string, MethodSpec> {
  return {
    "plugins.list": { handler: (): PluginsListResult => ({ plugins: [] }) },
  };
}
