import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { positiveIntEnv } from "@clawdbot/runtime";

/** How the plugin-host runs plugins, from the environment (defaults suit production). */
export interface PluginHostSettings {
  /** A plugin method that has not answered by then answers UNAVAILABLE and its worker is restarted. */
  callTimeoutMs: number;
  /** Import + register, and then starting services, each get this long. */
  loadTimeoutMs: number;
  /** How often plugin directories are rescanned for added, removed or edited plugins. */
  scanIntervalMs: number;
  /** How often the config file is checked for changes. */
  configPollMs: number;
  /** V8 old-generation heap limit of each plugin's worker. */
  maxHeapMb: number;
  /** Crashes (or hung calls) tolerated within `crashWindowMs` before a plugin is left errored. */
  maxCrashes: number;
  crashWindowMs: number;
  bundledDir: string | undefined;
}

export function readPluginHostSettings(env: NodeJS.ProcessEnv = process.env): PluginHostSettings {
  return {
    callTimeoutMs: positiveIntEnv(env.CLAWDBOT_PLUGIN_CALL_TIMEOUT_MS, 10_000),
    loadTimeoutMs: positiveIntEnv(env.CLAWDBOT_PLUGIN_LOAD_TIMEOUT_MS, 15_000),
    scanIntervalMs: positiveIntEnv(env.CLAWDBOT_PLUGIN_SCAN_MS, 2_000),
    configPollMs: positiveIntEnv(env.CLAWDBOT_CONFIG_POLL_MS, 500),
    maxHeapMb: positiveIntEnv(env.CLAWDBOT_PLUGIN_MAX_HEAP_MB, 128),
    maxCrashes: positiveIntEnv(env.CLAWDBOT_PLUGIN_MAX_CRASHES, 5),
    crashWindowMs: positiveIntEnv(env.CLAWDBOT_PLUGIN_CRASH_WINDOW_MS, 60_000),
    bundledDir: env.CLAWDBOT_BUNDLED_PLUGINS_DIR || findBundledDir(),
  };
}

/** The repo's `plugins/` next to the installed app: walks up at most 6 parents (subsystems §B.2). */
function findBundledDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i <= 6; i++) {
    const candidate = join(dir, "plugins");
    if (statSync(candidate, { throwIfNoEntry: false })?.isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
