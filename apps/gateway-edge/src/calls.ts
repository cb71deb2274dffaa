import {
  type ErrorShape,
  GatewayError,
  formatParamsIssues,
  isKnownMethod,
  isRoutableMethod,
  methodAccess,
  RequestFrame,
  authorize,
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
export function readRequestFrame(value: unknown): CallRequest | { id: string; error: ErrorShape } {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const frame = value as Record<string, unknown>;
    const { id, method } = frame;
    if (frame.type === "req" && typeof id === "string" && id && typeof method === "string" && method) {
      let extra = false;
      for (const key in frame) if (!FRAME_KEYS.has(key)) extra = true;
      if (!extra) return { id, method, params: frame.params };
    }
  }
  const parsed = RequestFrame.safeParse(value);
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

/**
 * Decides what happens to a call (spec §4.6, §5.1, ARCHITECTURE §3a): scope first, then the
 * method lookup. Core methods keep the protocol's scope even if a service announces another.
 */
export function routeCall(edge: EdgeContext, role: string, scopes: readonly string[], method: string): Route {
  const known = isKnownMethod(method);
  const announced = known ? undefined : edge.registry.announcedAccess(method);
  const access = known ? methodAccess(method) : (announced ?? "admin");
  const denial = authorize(role, scopes, access);
  if (denial) return { kind: "deny", error: new GatewayError("INVALID_REQUEST", denial, { kind: "forbidden" }) };
  if (method === "connect") {
    return { kind: "deny", error: new GatewayError("INVALID_REQUEST", "connect is only valid as the first request", { kind: "invalidRequest" }) };
  }
  if (edge.localMethods.has(method)) return { kind: "local" };
  if (!isRoutableMethod(method) || (!known && announced === undefined)) {
    return { kind: "deny", error: new GatewayError("INVALID_REQUEST", `unknown method: ${method}`, { kind: "methodNotFound" }) };
  }
  return { kind: "forward" };
}
