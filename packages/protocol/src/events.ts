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
] as const;
export type GatewayEventName = (typeof GATEWAY_EVENTS)[number];

/** The scope a client needs to receive an event (spec §6.2); null means every handshaken client. */
export function eventGuard(event: string): Extract<MethodAccess, "approvals" | "pairing"> | null {
  if (event.startsWith("exec.approval.")) return "approvals";
  if (event.startsWith("device.pair.") || event.startsWith("node.pair.")) return "pairing";
  return null;
}
