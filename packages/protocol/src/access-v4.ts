import { type MethodAccess, methodAccess } from "./scopes.js";

// Protocol 4's scope rules (protocol-v4-delta §4, §5, §6.1): more scopes, some methods moved,
// and events are gated by a table that fails closed.

export const SCOPES_V4 = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
  "operator.questions",
  "operator.talk",
  "operator.talk.secrets",
  "operator.sessions.read",
  "operator.sessions.write",
] as const;

/** What a v4 method or event needs: a scope, the node role, or just a handshaken connection. */
export type AccessV4 = { kind: "scope"; scope: string } | { kind: "node" } | { kind: "authenticated" };

// Which held scopes satisfy a required one, beyond itself and operator.admin.
const IMPLIED_BY: Record<string, readonly string[]> = {
  "operator.read": ["operator.write"],
  "operator.talk": ["operator.write"],
  "operator.sessions.write": ["operator.write"],
  "operator.sessions.read": ["operator.read", "operator.write", "operator.sessions.write"],
};

/** Whether `held` satisfies `required` under v4's implications (admin satisfies every scope). */
export function scopeSatisfied(held: readonly string[], required: string): boolean {
  if (held.includes("operator.admin") || held.includes(required)) return true;
  return (IMPLIED_BY[required] ?? []).some((s) => held.includes(s));
}

const SCOPE_OF_ACCESS: Record<Exclude<MethodAccess, "node">, string> = {
  approvals: "operator.approvals",
  pairing: "operator.pairing",
  read: "operator.read",
  write: "operator.write",
  admin: "operator.admin",
};

/** A v3 access level (what services announce) in v4 terms. */
export function accessFromV3(access: MethodAccess): AccessV4 {
  return access === "node" ? { kind: "node" } : { kind: "scope", scope: SCOPE_OF_ACCESS[access] };
}

const V4_NODE_METHODS = new Set([
  "node.invoke.progress",
  "node.pending.pull",
  "node.pending.ack",
  "node.pending.drain",
  "node.pluginSurface.refresh",
  "node.pluginTools.update",
  "node.skills.update",
  "node.runnerInventory.update",
]);

const V4_MOVED: Record<string, string> = {
  "config.get": "operator.read",
  "config.schema": "operator.read",
  "sessions.resolve": "operator.read",
  poll: "operator.write",
  "talk.mode": "operator.talk",
  "browser.request": "operator.admin",
};

/** Methods v4 removed from core (delta §5); a v3 operator keeps them. */
export const METHODS_REMOVED_IN_V4: ReadonlySet<string> = new Set(["node.pair.request", "node.pair.verify"]);

/** The access a core method needs under v4; unlisted ones need admin, as in v3. */
export function methodAccessV4(method: string): AccessV4 {
  if (method === "health") return { kind: "authenticated" };
  if (V4_NODE_METHODS.has(method)) return { kind: "node" };
  const moved = V4_MOVED[method];
  if (moved) return { kind: "scope", scope: moved };
  return accessFromV3(methodAccess(method));
}

/** Why a v4 caller may not call: a role refusal (INVALID_REQUEST) or a missing scope (FORBIDDEN). */
export type DenialV4 = { kind: "role"; message: string } | { kind: "scope"; message: string; missingScope: string; requiredScopes: string[] };

export function authorizeV4(role: string, scopes: readonly string[], access: AccessV4): DenialV4 | null {
  if (access.kind === "authenticated") return null;
  if (access.kind === "node") return role === "node" ? null : { kind: "role", message: `unauthorized role: ${role}` };
  if (role !== "operator") return { kind: "role", message: `unauthorized role: ${role}` };
  if (scopeSatisfied(scopes, access.scope)) return null;
  return { kind: "scope", message: `missing scope: ${access.scope}`, missingScope: access.scope, requiredScopes: [access.scope] };
}

// Events and the scope that receives them (delta §6.1). Unlisted events are never delivered,
// except `plugin.*` ones, which need operator.read.
const EVENT_SCOPES: [prefixOrName: string, scope: string | null][] = [
  ["health", null],
  ["heartbeat", null],
  ["tick", null],
  ["shutdown", null],
  ["gateway.suspension", null],
  ["update.available", null],
  ["agent", "operator.read"],
  ["chat", "operator.read"],
  ["chat.metadata.changed", "operator.read"],
  ["presence", "operator.read"],
  ["cron", "operator.read"],
  ["voicewake.changed", "operator.read"],
  ["voicewake.routing.changed", "operator.read"],
  ["sessions.changed", "operator.read"],
  ["session.*", "operator.read"],
  ["models.snapshot", "operator.read"],
  ["talk.mode", "operator.talk"],
  ["talk.*", "operator.talk"],
  ["question.*", "operator.questions"],
  ["exec.approval.*", "operator.approvals"],
  ["plugin.approval.*", "operator.approvals"],
  ["openclaw.approval.*", "operator.approvals"],
  ["device.pair.*", "operator.pairing"],
  ["node.pair.*", "operator.pairing"],
  ["terminal.*", "operator.admin"],
  ["config.changed", "operator.admin"],
  ["update.run.changed", "operator.admin"],
  ["plugin.*", "operator.read"],
];

/** What a v4 client needs to receive an event: a scope, nothing (null), or false: never delivered. */
export function eventAccessV4(event: string): string | null | false {
  for (const [pattern, scope] of EVENT_SCOPES) {
    const matches = pattern.endsWith(".*") ? event.startsWith(pattern.slice(0, -1)) : event === pattern;
    if (matches) return scope;
  }
  return false;
}

/** Whether a v4 connection of this role and scopes receives an event (nodes: unscoped events only). */
export function mayReceiveEventV4(role: string, scopes: readonly string[], event: string): boolean {
  const access = eventAccessV4(event);
  if (access === false) return false;
  if (access === null) return true;
  return role === "operator" && scopeSatisfied(scopes, access);
}
