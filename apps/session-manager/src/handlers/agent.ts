import type { MethodSpec } from "@clawdbot/nats-rpc";
import { GatewayError, invalidRequest } from "@clawdbot/protocol";
import type { AppContext } from "../context.js";
import { normalizeAgentId, resolveAgentIdFromSessionKey, resolveMainSessionKey, resolveSessionStoreKey, buildAgentMainSessionKey } from "../session-keys.js";
import { replay, startRun, touchSession } from "./chat.js";
import { method } from "./define.js";

/** Channels the core knows without plugins; `agent` refuses any other (spec §7.8). */
export const KNOWN_CHANNELS = new Set(["last", "webchat", "whatsapp", "telegram", "discord", "slack", "signal", "imessage", "googlechat", "msteams", "matrix"]);

/** `agent` (accepted, then the final answer with the same id) and `agent.wait` (spec §7.8). */
export function agentHandlers(app: AppContext): Record<string, MethodSpec> {
  const { config, dedupe, results, sessions } = app;

  return {
    agent: method("agent", async (params, ctx) => {
      const view = config.current();
      const runId = params.idempotencyKey;
      const cached = await dedupe.get("agent", runId);
      if (cached) return replay(cached);
      for (const channel of [params.channel, params.replyChannel]) {
        if (channel && !KNOWN_CHANNELS.has(channel.trim().toLowerCase())) throw invalidRequest(`invalid agent params: unknown channel: ${channel}`);
      }
      const knownAgents = view.agents.length > 0 ? view.agents.map((a) => a.id) : [view.keys.defaultAgentId];
      const agentId = params.agentId ? normalizeAgentId(params.agentId) : undefined;
      if (agentId && !knownAgents.includes(agentId)) throw invalidRequest(`unknown agent id "${params.agentId}"`);

      let storeKey: string;
      if (params.sessionKey?.trim()) storeKey = resolveSessionStoreKey(view.keys, params.sessionKey);
      else if (params.sessionId?.trim()) storeKey = (await sessions.findBySessionId(params.sessionId.trim()))?.[0] ?? resolveMainSessionKey(view.keys);
      else if (agentId) storeKey = view.keys.scope === "global" ? "global" : buildAgentMainSessionKey(agentId, view.keys.mainKey);
      else storeKey = resolveMainSessionKey(view.keys);
      const keyAgent = resolveAgentIdFromSessionKey(view.keys, storeKey);
      if (agentId && storeKey !== "global" && keyAgent !== agentId) throw invalidRequest(`agent id "${agentId}" does not match session key agent "${keyAgent}"`);

      if ((await sessions.get(storeKey))?.sendPolicy === "deny") throw invalidRequest("send blocked by session policy");
      let entry = await touchSession(app, storeKey);
      if (params.label || params.spawnedBy) {
        entry =
          (await sessions.update(storeKey, (current) =>
            current ? { ...current, ...(params.label ? { label: params.label } : {}), ...(params.spawnedBy && !current.spawnedBy ? { spawnedBy: params.spawnedBy } : {}) } : undefined,
          )) ?? entry;
      }
      const now = Date.now();
      const timeoutSeconds = params.timeout ?? view.timeoutSeconds;
      const mainKey = resolveMainSessionKey(view.keys);
      const { run, begin } = await startRun(app, {
        runId,
        kind: "agent",
        sessionKey: params.sessionKey?.trim() || storeKey,
        storeKey,
        entry,
        message: params.message,
        // Runs on the main session (or `global`) also speak `chat`, as the original links them.
        chatEvents: storeKey === mainKey || storeKey === "global",
        expiresAtMs: now + timeoutSeconds * 1000,
      });
      const acceptedAt = Date.now();
      const ack = { runId, status: "accepted" as const, acceptedAt };
      if (!run) {
        // Running on another replica: a retry during the run gets the ack again.
        const again = await dedupe.get("agent", runId);
        return again ? replay(again) : ack;
      }
      // Stored first, so a retry during the run is answered with the ack (spec §7.8).
      await dedupe.set("agent", runId, { ok: true, payload: ack });
      ctx.accept(ack);
      const outcome = await begin();
      if (outcome.status === "error" || outcome.status === "lost") {
        const summary = outcome.error ?? "run owner lost";
        const payload = { runId, status: "error" as const, summary };
        await dedupe.set("agent", runId, { ok: false, payload, error: { code: "UNAVAILABLE", message: summary } });
        throw new GatewayError("UNAVAILABLE", summary, { details: payload });
      }
      const final = {
        runId,
        status: "ok" as const,
        summary: "completed",
        result: {
          payloads: outcome.text ? [{ text: outcome.text }] : [],
          meta: {
            durationMs: outcome.endedAt - outcome.startedAt,
            agentMeta: { sessionId: outcome.sessionId, provider: outcome.model.provider, model: outcome.model.model },
            ...(outcome.status === "aborted" ? { aborted: true } : {}),
          },
        },
      };
      await dedupe.set("agent", runId, { ok: true, payload: final });
      return final;
    }),

    "agent.wait": method("agent.wait", async (params, ctx) => {
      let timeoutMs = params.timeoutMs ?? 30_000;
      // Answer `timeout` before the caller's deadline rather than let the edge time out.
      if (ctx.deadline !== undefined) timeoutMs = Math.max(0, Math.min(timeoutMs, ctx.deadline - Date.now() - 500));
      const result = (await results.get(params.runId)) ?? (timeoutMs > 0 ? await results.wait(params.runId, timeoutMs) : undefined);
      if (!result) return { runId: params.runId, status: "timeout" };
      return result;
    }),
  };
}
