import type { PluginOrigin } from "@clawdbot/protocol";
import type { PluginManifest } from "./manifest.js";
import type { PluginsConfig } from "./plugins-config.js";

/**
 * Bundled plugins that run unless turned off. The original's list is empty because everything it
 * bundles is optional; `voicewake` is a core method family of the original that this gateway
 * ships as a bundled plugin, so clients keep finding it.
 */
export const BUNDLED_ENABLED_BY_DEFAULT: ReadonlySet<string> = new Set(["voicewake"]);

export interface EnableState {
  enabled: boolean;
  reason?: string;
}

/**
 * `resolveEnableState(id, origin)` (subsystems §B.3): the first matching rule wins. Auto-enable
 * (§A.7) counts as `entries.<id>.enabled: true` here; the original also writes that into the
 * config, which is config-service's business, not this loader's.
 */
export function resolveEnableState(
  id: string,
  origin: PluginOrigin,
  plugins: PluginsConfig,
  manifest: PluginManifest,
  config: Record<string, unknown>,
): EnableState {
  const entry = plugins.entries[id];
  if (!plugins.enabled) return { enabled: false, reason: "plugins disabled" };
  if (plugins.deny.includes(id)) return { enabled: false, reason: "blocked by denylist" };
  const autoReason = entry?.enabled === false ? undefined : autoEnableReason(manifest, config);
  if (plugins.allow.length > 0 && !plugins.allow.includes(id) && !autoReason) return { enabled: false, reason: "not in allowlist" };
  if (manifest.kind === "memory") {
    if (plugins.memorySlot === id) return { enabled: true };
    return { enabled: false, reason: plugins.memorySlot === null ? "memory slot set to none" : `memory slot set to ${plugins.memorySlot}` };
  }
  if (entry?.enabled === true) return { enabled: true };
  if (entry?.enabled === false) return { enabled: false, reason: "disabled in config" };
  if (autoReason) return { enabled: true, reason: autoReason };
  if (origin === "bundled") {
    return BUNDLED_ENABLED_BY_DEFAULT.has(id) ? { enabled: true } : { enabled: false, reason: "bundled (disabled by default)" };
  }
  return { enabled: true };
}

/**
 * Auto-enable (§A.7), generalised from the original's hard-coded channel and provider lists to
 * what a manifest declares: a declared channel with a non-empty `channels.<id>` block, or a
 * declared provider referenced in `models.providers` or `auth.profiles[].provider`.
 */
function autoEnableReason(manifest: PluginManifest, config: Record<string, unknown>): string | undefined {
  const channels = asRecord(config.channels);
  for (const channel of manifest.channels ?? []) {
    const block = asRecord(channels?.[channel]);
    if (block && Object.keys(block).length > 0) return `${channel} configured`;
  }
  const providers = new Set<string>(Object.keys(asRecord(asRecord(config.models)?.providers) ?? {}));
  const profiles = asRecord(config.auth)?.profiles;
  const profileList = Array.isArray(profiles) ? profiles : Object.values(asRecord(profiles) ?? {});
  for (const profile of profileList) {
    const provider = asRecord(profile)?.provider;
    if (typeof provider === "string") providers.add(provider);
  }
  for (const provider of manifest.providers ?? []) if (providers.has(provider)) return `${provider} provider configured`;
  return undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
