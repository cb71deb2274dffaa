import { ConfigReloadMode, ConfigReloadPlan } from "@clawdbot/protocol";
import { isPlainObject, jsonEqual } from "./paths.js";

export const ReloadMode = ConfigReloadMode;
export type ReloadMode = ConfigReloadMode;
/** `none`: read on every use, nothing to do. `hot`: applied live. `restart`: the edges restart their listeners. */
export type ChangeKind = "none" | "hot" | "restart";
export const ReloadPlan = ConfigReloadPlan;
export type ReloadPlan = ConfigReloadPlan;

// First matching prefix wins (subsystems §A.10), with this gateway's split of `gateway.*`: the
// edges read auth, proxies and origins per connection, so those apply hot; the listener itself
// (port, bind, TLS) needs a restart. Logging applies at once. Plugins are hot here, unlike the
// original: the plugin-host follows the effective config and loads, reloads or stops each
// plugin's worker itself, so no edge needs to restart. Unmatched paths restart, as in the original.
const RULES: [prefix: string, kind: ChangeKind][] = [
  ["$schema", "none"],
  ["meta", "none"],
  ["gateway.remote", "none"],
  ["gateway.reload", "none"],
  ["gateway.auth", "hot"],
  ["gateway.trustedProxies", "hot"],
  ["gateway.controlUi.allowedOrigins", "hot"],
  ["gateway.controlUi.allowInsecureAuth", "hot"],
  ["gateway.controlUi.dangerouslyDisableDeviceAuth", "hot"],
  ["logging", "hot"],
  ["hooks.gmail", "hot"],
  ["hooks", "hot"],
  ["agents.defaults.heartbeat", "hot"],
  ["agent.heartbeat", "hot"],
  ["cron", "hot"],
  ["browser", "hot"],
  ["channels", "hot"],
  ["web", "hot"],
  ...["identity", "wizard", "models", "agents", "tools", "bindings", "audio", "agent", "routing", "messages", "session", "talk", "skills", "ui"].map(
    (p): [string, ChangeKind] => [p, "none"],
  ),
  ["plugins", "hot"],
  ["gateway", "restart"],
  ["discovery", "restart"],
  ["canvasHost", "restart"],
];

export function classifyPath(path: string): ChangeKind {
  for (const [prefix, kind] of RULES) if (path === prefix || path.startsWith(`${prefix}.`)) return kind;
  return "restart";
}

/** Leaf paths whose values differ; arrays compare by value and report the whole array's path. */
export function diffPaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (jsonEqual(before, after)) return [];
  if (!isPlainObject(before) || !isPlainObject(after)) return [prefix || "<root>"];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => diffPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
}

/** What a change means under `gateway.reload.mode` (default `hybrid`). */
export function buildReloadPlan(changedPaths: readonly string[], mode: ReloadMode): ReloadPlan {
  const hotPaths = changedPaths.filter((p) => classifyPath(p) === "hot");
  const restartPaths = changedPaths.filter((p) => classifyPath(p) === "restart");
  const restart = mode === "restart" ? changedPaths.length > 0 : mode === "hybrid" ? restartPaths.length > 0 : false;
  return {
    mode,
    changedPaths: [...changedPaths],
    hotPaths,
    restartPaths,
    restart,
    ignoredRestartPaths: mode === "hot" ? restartPaths : [],
  };
}
