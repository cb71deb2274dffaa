import { GATEWAY_EVENTS, type HelloOk, PROTOCOL_VERSION } from "@clawdbot/protocol";
import type { EdgeContext } from "./edge-context.js";

/** Builds `hello-ok` (spec §3.3); `features.methods` comes from the live registry. */
export function buildHelloOk(edge: EdgeContext, connId: string): HelloOk {
  const { config } = edge;
  const methods = new Set<string>([...edge.registry.liveMethods().keys(), ...edge.localMethods.keys()]);
  const server: HelloOk["server"] = { version: config.version, host: config.host, connId };
  if (config.commit) server.commit = config.commit;
  return {
    type: "hello-ok",
    protocol: PROTOCOL_VERSION,
    server,
    features: { methods: [...methods].sort(), events: [...GATEWAY_EVENTS] },
    snapshot: {
      ...edge.snapshot(),
      uptimeMs: Math.max(0, Date.now() - edge.startedAt),
      stateDir: config.stateDir,
      sessionDefaults: { defaultAgentId: "main", mainKey: "main", mainSessionKey: "agent:main:main", scope: "per-sender" },
    },
    policy: { maxPayload: config.maxPayload, maxBufferedBytes: config.maxBufferedBytes, tickIntervalMs: config.tickIntervalMs },
  };
}
