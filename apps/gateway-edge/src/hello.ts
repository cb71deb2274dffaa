import { randomUUID } from "node:crypto";
import { type DeviceToken, GATEWAY_EVENTS, type HelloOk, type HelloOkV4, POLICY_V4, PROTOCOL_V4 } from "@clawdbot/protocol";
import type { EdgeContext } from "./edge-context.js";
import type { AuthMethod } from "./handshake.js";

/** Changes each time the edge process starts; v4 clients see a restart by it (`hello-ok.server.bootId`). */
export const BOOT_ID = randomUUID();

/**
 * What this edge offers in `connect.challenge` and `hello-ok.features.capabilities`. None of
 * protocol 4's optional capabilities (model catalog snapshots, profile binding, session settings)
 * is implemented, so none is advertised.
 */
export const EDGE_CAPABILITIES: readonly string[] = [];

/** Who a connection is, for `hello-ok.auth`. */
export interface HelloIdentity {
  protocol: number;
  role: string;
  scopes: readonly string[];
  authMethod: AuthMethod;
  /** Set when the connect came with a paired device. */
  deviceToken?: DeviceToken | undefined;
}

/**
 * Builds `hello-ok` for the negotiated version: v3 as spec §3.3 (`auth` only with a device token),
 * v4 as protocol-v4-delta §3 (`auth` always, `bootId`, capabilities, the larger limits).
 */
export function buildHelloOk(edge: EdgeContext, connId: string, who: HelloIdentity): HelloOk | HelloOkV4 {
  return who.protocol === PROTOCOL_V4 ? buildHelloOkV4(edge, connId, who) : buildHelloOkV3(edge, connId, who.deviceToken);
}

function features(edge: EdgeContext): HelloOk["features"] {
  const methods = new Set<string>([...edge.registry.liveMethods().keys(), ...edge.localMethods.keys()]);
  return { methods: [...methods].sort(), events: [...GATEWAY_EVENTS] };
}

function snapshot(edge: EdgeContext): HelloOk["snapshot"] {
  return {
    ...edge.snapshot(),
    uptimeMs: Math.max(0, Date.now() - edge.startedAt),
    stateDir: edge.config.stateDir,
    sessionDefaults: { defaultAgentId: "main", mainKey: "main", mainSessionKey: "agent:main:main", scope: "per-sender" },
  };
}

function buildHelloOkV3(edge: EdgeContext, connId: string, deviceToken: DeviceToken | undefined): HelloOk {
  const { config } = edge;
  const server: HelloOk["server"] = { version: config.version, host: config.host, connId };
  if (config.commit) server.commit = config.commit;
  const hello: HelloOk = {
    type: "hello-ok",
    protocol: 3,
    server,
    features: features(edge),
    snapshot: snapshot(edge),
    policy: { maxPayload: config.maxPayload, maxBufferedBytes: config.maxBufferedBytes, tickIntervalMs: config.tickIntervalMs },
  };
  if (deviceToken) {
    hello.auth = {
      deviceToken: deviceToken.token,
      role: deviceToken.role,
      scopes: deviceToken.scopes,
      issuedAtMs: deviceToken.rotatedAtMs ?? deviceToken.createdAtMs,
    };
  }
  return hello;
}

function buildHelloOkV4(edge: EdgeContext, connId: string, who: HelloIdentity): HelloOkV4 {
  const { config } = edge;
  const auth: HelloOkV4["auth"] = { method: who.authMethod, role: who.role, scopes: [...who.scopes] };
  if (who.deviceToken) {
    auth.deviceToken = who.deviceToken.token;
    auth.issuedAtMs = who.deviceToken.rotatedAtMs ?? who.deviceToken.createdAtMs;
  }
  return {
    type: "hello-ok",
    protocol: PROTOCOL_V4,
    server: { version: config.version, connId, bootId: BOOT_ID, ...(config.commit ? { buildId: config.commit } : {}) },
    features: { ...features(edge), capabilities: [...EDGE_CAPABILITIES] },
    snapshot: snapshot(edge),
    auth,
    policy: { maxPayload: POLICY_V4.maxPayload, maxBufferedBytes: POLICY_V4.maxBufferedBytes, tickIntervalMs: config.tickIntervalMs },
  };
}
