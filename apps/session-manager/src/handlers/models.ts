import type { MethodSpec } from "@clawdbot/nats-rpc";
import type { AgentIdentityResult, AgentsListResult } from "@clawdbot/protocol";
import type { AppContext } from "../context.js";
import { modelCatalog } from "../model-catalog.js";
import { normalizeAgentId, resolveAgentIdFromSessionKey, resolveSessionStoreKey } from "../session-keys.js";
import { method } from "./define.js";

/** The original's default assistant identity. */
export const DEFAULT_IDENTITY = { name: "Assistant", avatar: "A" } as const;

/** `models.list`, `agents.list`, `agent.identity.get` from the config (spec §7.7). */
export function modelsHandlers(app: AppContext): Record<string, MethodSpec> {
  const { config } = app;
  return {
    "models.list": method("models.list", () => ({ models: modelCatalog(config.current()) })),

    "agents.list": method("agents.list", (): AgentsListResult => {
      const view = config.current();
      const agents: AgentsListResult["agents"] =
        view.agents.length > 0
          ? view.agents.map((a) => ({ id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.identity ? { identity: a.identity } : {}) }))
          : [{ id: view.keys.defaultAgentId }];
      // The original's quirk: a mainKey that is not an agent id is listed as one.
      if (!agents.some((a) => a.id === view.keys.mainKey)) agents.push({ id: view.keys.mainKey });
      return { defaultId: view.keys.defaultAgentId, mainKey: view.keys.mainKey, scope: view.keys.scope, agents };
    }),

    "agent.identity.get": method("agent.identity.get", (params): AgentIdentityResult => {
      const view = config.current();
      const agentId = params.agentId
        ? normalizeAgentId(params.agentId)
        : params.sessionKey
          ? resolveAgentIdFromSessionKey(view.keys, resolveSessionStoreKey(view.keys, params.sessionKey))
          : view.keys.defaultAgentId;
      const agent = view.agents.find((a) => a.id === agentId);
      return {
        agentId,
        name: view.assistant.name ?? agent?.identity?.name ?? agent?.name ?? DEFAULT_IDENTITY.name,
        avatar: view.assistant.avatar ?? agent?.identity?.avatar ?? agent?.identity?.emoji ?? DEFAULT_IDENTITY.avatar,
      };
    }),
  };
}
