import type { MethodAccess } from "./scopes.js";

/** Event names the gateway advertises in `hello-ok.features.events` (spec §6.1). */
export const GATEWAY_EVENTS = [
  "connect.challenge",
  "agent",
  "chat",
  "presence",
  "tick",
  "talk.mode",
  "shutdown",
  "health",
  "heartbeat",
  "cron",
  "node.pair.requested",
  "node.pair.resolved",
  "node.invoke.request",
  "device.pair.requested",
  "device.pair.resolved",
  "voicewake.changed",
  "exec.approval.requested",
  "exec.approval.resolved",
  // Ours: the config in force changed (hash and paths, no values); admin clients only.
  "config.changed",
] as const;
export type GatewayEventName = (typeof GATEWAY_EVENTS)[number];

/** Events only admin clients receive; they say what changed in the config, never the values. */
const ADMIN_EVENTS = new Set(["config.changed"]);

/**
 * The access a client needs to receive an event: `eventGuard`'s scopes plus `admin` for our
 * admin-only events. A client with operator.admin receives everything.
 */
export function eventAccess(event: string): Extract<MethodAccess, "approvals" | "pairing" | "admin"> | null {
  return ADMIN_EVENTS.has(event) ? "admin" : eventGuard(event);
}

/** The scope a client needs to receive an event (spec §6.2); null means every handshaken client. */
export function eventGuard(event: string): Extract<MethodAccess, "approvals" | "pairing"> | null {
  if (event.startsWith("exec.approval.")) return "approvals";
  if (event.startsWith("device.pair.") || event.startsWith("node.pair.")) return "pairing";
  return null;
}
