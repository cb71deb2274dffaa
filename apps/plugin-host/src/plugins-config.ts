import { homedir } from "node:os";
import { resolve } from "node:path";
import * as z from "zod";

const stringList = z.array(z.string()).catch([]);

const PluginEntry = z.looseObject({ enabled: z.boolean().optional().catch(undefined), config: z.unknown().optional() });
export type PluginEntry = z.infer<typeof PluginEntry>;

/**
 * The `plugins` section as the loader uses it (`normalizePluginsConfig`, subsystems §B.3). A field
 * of the wrong type is treated as absent rather than failing the whole section: validating the
 * config is config-service's job, and the plugins that are fine should still load.
 */
const PluginsSection = z.object({
  enabled: z.boolean().catch(true).default(true),
  allow: stringList.default([]),
  deny: stringList.default([]),
  load: z.object({ paths: stringList.default([]) }).catch({ paths: [] }).default({ paths: [] }),
  slots: z.object({ memory: z.string().nullable().optional().catch(undefined) }).catch({}).default({}),
  entries: z.record(z.string(), PluginEntry.catch({})).catch({}).default({}),
});

export interface PluginsConfig {
  enabled: boolean;
  allow: string[];
  deny: string[];
  loadPaths: string[];
  /** The plugin id holding the memory slot; null when set to "none". */
  memorySlot: string | null;
  entries: Record<string, PluginEntry>;
}

export function normalizePluginsConfig(config: Record<string, unknown>): PluginsConfig {
  const raw = config.plugins;
  const section = PluginsSection.catch(PluginsSection.parse({})).parse(raw && typeof raw === "object" ? raw : {});
  const slot = section.slots.memory ?? "memory-core";
  return {
    enabled: section.enabled,
    allow: section.allow,
    deny: section.deny,
    loadPaths: section.load.paths,
    memorySlot: slot === "none" ? null : slot,
    entries: section.entries,
  };
}

/** Expands a leading `~` and makes a path absolute (the original's `resolveUserPath`). */
export function resolveUserPath(path: string, home = homedir()): string {
  const expanded = path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
  return resolve(expanded);
}

/**
 * The default agent's workspace, whose `.clawdbot/extensions` is the second discovery root:
 * `agents.defaults.workspace`, else the original's default `~/clawd`.
 */
export function resolveWorkspaceDir(config: Record<string, unknown>): string {
  const agents = config.agents as { defaults?: { workspace?: unknown } } | undefined;
  const configured = agents?.defaults?.workspace;
  return resolveUserPath(typeof configured === "string" && configured.trim() ? configured.trim() : "~/clawd");
}
