import {
  type ErrorShape,
  GatewayError,
  METHODS_REMOVED_IN_V4,
  type MethodAccess,
  PROTOCOL_V3,
  PROTOCOL_V4,
  RequestFrameV4,
  accessFromV3,
  authorizeV4,
  formatParamsIssues,
  isKnownMethod,
  isRoutableMethod,
  methodAccess,
  methodAccessV4,
  RequestFrame,
  authorize,
  unavailable,
} from "@clawdbot/protocol";
import type { EdgeContext } from "./edge-context.js";

export interface CallRequest {
  id: string;
  method: string;
  params: unknown;
}

const FRAME_KEYS = new Set(["type", "id", "method", "params"]);

/**
 * A cheap envelope check for the hot path (ARCHITECTURE §3a: no zod parse per frame). Only a
 * frame that fails it pays for the full schema, to explain what is wrong.
 */
export function readRequestFrame(value: unknown, protocol: number = PROTOCOL_V3): CallRequest | { id: string; error: ErrorShape } {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const frame = value as Record<string, unknown>;
    const { id, method } = frame;
    if (frame.type === "req" && typeof id === "string" && id && typeof method === "string" && method) {
      let extra = false;
      for (const key in frame) if (!FRAME_KEYS.has(key)) extra = true;
      if (!extra) return { id, method, params: frame.params };
    }
  }
  // v4 frames may also carry `traceparent` and `expectedProfileId` (protocol-v4-delta §2).
  const parsed = (protocol === PROTOCOL_V4 ? RequestFrameV4 : RequestFrame).safeParse(value);
  if (parsed.success && protocol === PROTOCOL_V4) return { id: parsed.data.id, method: parsed.data.method, params: parsed.data.params };
  const summary = parsed.success ? "unexpected frame" : formatParamsIssues(parsed.error.issues);
  const rawId = (value as { id?: unknown } | null)?.id;
  return {
    id: typeof rawId === "string" && rawId ? rawId : "invalid",
    error: { code: "INVALID_REQUEST", message: `invalid request frame: ${summary}` },
  };
}

export type Route =
  | { kind: "deny"; error: GatewayError }
  | { kind: "local" }
  | { kind: "forward" };

// Params protocol 4 removed (protocol-v4-delta §5); v3 clients still send them and are served.
const V3_ONLY_PARAMS: Record<string, readonly string[]> = {
  agent: ["spawnedBy"],
  "sessions.patch": ["spawnedBy"],
  "cron.add": ["isolation"],
};

/** A v4 call carrying a param v4 removed fails as the v4 schema fails it, before any forward. */
export function v4ParamsError(method: string, params: unknown): GatewayError | null {
  const removed = Object.hasOwn(V3_ONLY_PARAMS, method) ? V3_ONLY_PARAMS[method]! : [];
  if (removed.length === 0 || params === null || typeof params !== "object") return null;
  const present = removed.filter((key) => Object.hasOwn(params, key));
  if (present.length === 0) return null;
  const summary = present.map((key) => `at root: unexpected property '${key}'`).join("; ");
  return new GatewayError("INVALID_REQUEST", `invalid ${method} params: ${summary}`, { kind: "invalidParams" });
}

/**
 * Scope and role check by version: v3 answers INVALID_REQUEST `missing scope: …` (spec §4.6);
 * v4 uses its own table and answers FORBIDDEN with `details.code: "MISSING_SCOPE"` (delta §5, §7).
 */
function authorizeCall(role: string, scopes: readonly string[], method: string, v3Access: MethodAccess, known: boolean, protocol: number): GatewayError | null {
  if (protocol !== PROTOCOL_V4) {
    const denial = authorize(role, scopes, v3Access);
    return denial ? new GatewayError("INVALID_REQUEST", denial, { kind: "forbidden" }) : null;
  }
  const denial = authorizeV4(role, scopes, known ? methodAccessV4(method) : accessFromV3(v3Access));
  if (!denial) return null;
  if (denial.kind === "role") return new GatewayError("INVALID_REQUEST", denial.message, { kind: "forbidden" });
  const details = { code: "MISSING_SCOPE", missingScope: denial.missingScope, requiredScopes: denial.requiredScopes };
  return new GatewayError("FORBIDDEN", denial.message, { kind: "forbidden", details });
}

/**
 * Decides what happens to a call (spec §4.6, §5.1, ARCHITECTURE §3a): scope first, then the
 * method lookup. Core methods keep the protocol's scope even if a service announces another.
 * The negotiated version picks the scope table and the error shape.
 */
export function routeCall(edge: EdgeContext, role: string, scopes: readonly string[], method: string, protocol: number = PROTOCOL_V3, params?: unknown): Route {
  // Methods v4 removed are unknown to v4 clients; v3 operators keep them (delta §9.6).
  const known = isKnownMethod(method) && !(protocol === PROTOCOL_V4 && METHODS_REMOVED_IN_V4.has(method));
  const announced = known ? undefined : edge.registry.announcedAccess(method);
  const access = known ? methodAccess(method) : (announced ?? "admin");
  const denial = authorizeCall(role, scopes, method, access, known, protocol);
  if (denial) return { kind: "deny", error: denial };
  if (protocol === PROTOCOL_V4) {
    const paramsError = v4ParamsError(method, params);
    if (paramsError) return { kind: "deny", error: paramsError };
  }
  if (method === "connect") {
    return { kind: "deny", error: new GatewayError("INVALID_REQUEST", "connect is only valid as the first request", { kind: "invalidRequest" }) };
  }
  if (edge.localMethods.has(method)) return { kind: "local" };
  if (!isRoutableMethod(method) || (!known && announced === undefined)) {
    return { kind: "deny", error: new GatewayError("INVALID_REQUEST", `unknown method: ${method}`, { kind: "methodNotFound" }) };
  }
  return { kind: "forward" };
}

// Edge-local methods that still read or write JetStream (the device store, presence KV) or ask a
// service (a health probe). The rest (`health` without probe, `status`, `system-presence`)
// answer from views the edge holds, so they keep answering while NATS is away.
const LOCAL_METHODS_USING_NATS: ReadonlySet<string> = new Set([
  "system-event",
  "events.replay",
  "device.pair.list",
  "device.pair.approve",
  "device.pair.reject",
  "device.token.rotate",
  "device.token.revoke",
]);

/** Whether a routed call cannot be answered without NATS. */
export function callNeedsNats(route: Route, method: string, params: unknown): boolean {
  if (route.kind === "forward") return true;
  if (route.kind !== "local") return false;
  if (method === "health") return (params as { probe?: unknown } | null | undefined)?.probe === true;
  return LOCAL_METHODS_USING_NATS.has(method);
}

/** How long a client should wait before retrying while NATS is away: the edge reconnects every ~250 ms. */
export const NATS_DOWN_RETRY_AFTER_MS = 1_000;

/**
 * The answer while the edge's NATS connection is down: at once, instead of publishing into
 * nats.js's reconnect buffer and answering only at the request timeout.
 */
export function natsUnreachable(method: string): GatewayError {
  return unavailable(`gateway bus (NATS) is unreachable from this edge; ${method} cannot be served now, retry shortly`, {
    details: { reason: "nats_unreachable", method },
    retryAfterMs: NATS_DOWN_RETRY_AFTER_MS,
  });
}
