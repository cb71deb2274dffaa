import * as z from "zod";

export const SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
] as const;
export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

export const ROLES = ["operator", "node"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/**
 * What a method needs (spec §4.6). `read` is satisfied by operator.read or operator.write;
 * `node` means the caller's role must be node; anything unlisted needs admin.
 */
export const MethodAccess = z.enum(["node", "approvals", "pairing", "read", "write", "admin"]);
export type MethodAccess = z.infer<typeof MethodAccess>;

const NODE_METHODS = ["node.invoke.result", "node.event", "skills.bins"];
const APPROVAL_METHODS = ["exec.approval.request", "exec.approval.resolve"];
const PAIRING_METHODS = [
  "node.pair.request",
  "node.pair.list",
  "node.pair.approve",
  "node.pair.reject",
  "node.pair.verify",
  "device.pair.list",
  "device.pair.approve",
  "device.pair.reject",
  "device.token.rotate",
  "device.token.revoke",
  "node.rename",
];
const READ_METHODS = [
  "health",
  "logs.tail",
  "channels.status",
  "status",
  "usage.status",
  "usage.cost",
  "tts.status",
  "tts.providers",
  "models.list",
  "agents.list",
  "agent.identity.get",
  "skills.status",
  "voicewake.get",
  "sessions.list",
  "sessions.preview",
  "cron.list",
  "cron.status",
  "cron.runs",
  "system-presence",
  "last-heartbeat",
  "node.list",
  "node.describe",
  "chat.history",
  "events.replay",
];
const WRITE_METHODS = [
  "send",
  "agent",
  "agent.wait",
  "wake",
  "talk.mode",
  "tts.enable",
  "tts.disable",
  "tts.convert",
  "tts.setProvider",
  "voicewake.set",
  "node.invoke",
  "chat.send",
  "chat.abort",
  "browser.request",
];

const accessByMethod = new Map<string, MethodAccess>([
  ...NODE_METHODS.map((m) => [m, "node"] as const),
  ...APPROVAL_METHODS.map((m) => [m, "approvals"] as const),
  ...PAIRING_METHODS.map((m) => [m, "pairing"] as const),
  ...READ_METHODS.map((m) => [m, "read"] as const),
  ...WRITE_METHODS.map((m) => [m, "write"] as const),
]);

/** The access a core method needs; unknown and unlisted methods need admin, as in the original. */
export function methodAccess(method: string): MethodAccess {
  return accessByMethod.get(method) ?? "admin";
}

/** Why a caller may not call a method: the original's exact denial text, or null when allowed. */
export function authorize(role: string, scopes: readonly string[], access: MethodAccess): string | null {
  if (access === "node") return role === "node" ? null : `unauthorized role: ${role}`;
  if (role === "node") return "unauthorized role: node";
  if (role !== "operator") return `unauthorized role: ${role}`;
  if (scopes.includes("operator.admin")) return null;
  switch (access) {
    case "approvals":
      return scopes.includes("operator.approvals") ? null : "missing scope: operator.approvals";
    case "pairing":
      return scopes.includes("operator.pairing") ? null : "missing scope: operator.pairing";
    case "read":
      return scopes.includes("operator.read") || scopes.includes("operator.write")
        ? null
        : "missing scope: operator.read";
    case "write":
      return scopes.includes("operator.write") ? null : "missing scope: operator.write";
    case "admin":
      return "missing scope: operator.admin";
  }
}

/** Scopes granted when a client asks for none (spec §3.2). */
export function defaultScopes(role: string): string[] {
  return role === "operator" ? ["operator.admin"] : [];
}
