import { type PluginsEnableResult, invalidRequest } from "@clawdbot/protocol";
import type { HandlerContext, MethodSpec } from "@clawdbot/nats-rpc";
import { method } from "./define.js";
import type { PluginEnablementWriter } from "../config-writer.js";
import type { PluginConfigSource } from "../plugin-config-source.js";
import type { PluginSupervisor } from "../supervisor.js";

export interface PluginsHandlerDeps {
  supervisor: PluginSupervisor;
  writer: PluginEnablementWriter;
  source: PluginConfigSource;
}

/** The `plugins.*` family (admin: not in any scope list, spec §4.6). Each replica answers with what it runs. */
export function pluginsHandlers(deps: PluginsHandlerDeps): Record<string, MethodSpec> {
  const { supervisor, writer, source } = deps;

  async function setEnabled(id: string, enabled: boolean, context: HandlerContext): Promise<PluginsEnableResult> {
    // A plugin dropped in a moment ago is found by this reconcile, not only by the next scan.
    await supervisor.reconcile(await source.refresh());
    const refusal = supervisor.enableRefusal(id, enabled);
    if (refusal) throw refusal;
    const { changed } = await writer.setEnabled(id, enabled, context);
    await supervisor.reconcile(await source.refresh());
    // Enabling what is already enabled but failed (crash budget used up) tries it again.
    if (enabled && supervisor.summary(id)?.state === "errored") await supervisor.retry(id);
    const plugin = supervisor.summary(id);
    if (!plugin) throw invalidRequest(`plugin not found: ${id}`);
    return { ok: true, changed, plugin };
  }

  return {
    "plugins.list": method("plugins.list", () => supervisor.list()),
    "plugins.info": method("plugins.info", ({ id }) => {
      const info = supervisor.info(id);
      if (!info) throw invalidRequest(`plugin not found: ${id}`);
      return info;
    }),
    "plugins.enable": method("plugins.enable", ({ id }, context) => setEnabled(id, true, context)),
    "plugins.disable": method("plugins.disable", ({ id }, context) => setEnabled(id, false, context)),
  };
}
