import { GATEWAY_EVENTS, type HelloOk, PROTOCOL_VERSION } from "@clawdbot/protocol";
import type { EdgeContext } from "./edge-context.js";

/** Methods the edge answers itself, next to those served over NATS. */
export const EDGE_LOCAL_METHODS: readonly string[] = [];

/** Builds `hello-ok` (spec §3.3); `features.methods` comes from the live registry. */
export function buildHelloOk(edge: EdgeContext, connId: string): HelloOk {
  const { config } = edge;
  const methods = new Set<string>([...edge.registry.liveMethods().keys(), ...EDGE_LOCAL_METHODS]);
  const server: HelloOk["server"] = { version: config.version, host: config.host, connId };
  if (config.commit) server.commit = config.commit;
  return {
    type: "hello-ok",
    protocol: PROTOCOL_VERSION,
    server,
    features: { methods: [...methods].sort(), events: [...GATEWAY_EVENTS] },
    snapshot: {
      presence: [],
      health: {},
      stateVersion: { presence: 1, health: 1 },
      uptimeMs: Math.max(0, Date.now() - edge.startedAt),
      stateDir: config.stateDir,
      sessionDefaults: { defaultAgentId: "main", mainKey: "main", mainSessionKey: "agent:main:main", scope: "per-sender" },
    },
    policy: { maxPayload: config.maxPayload, maxBufferedBytes: config.maxBufferedBytes, tickIntervalMs: config.tickIntervalMs },
  };
}
