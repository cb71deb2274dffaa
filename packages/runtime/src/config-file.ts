import { existsSync } from "node:fs";
import { join } from "node:path";

const FILE_NAMES = ["moltbot.json", "clawdbot.json"];

/**
 * Where the config file is (subsystems §A.1): an explicit path, else the first existing
 * `moltbot.json` / legacy `clawdbot.json` in the state dir, else `<stateDir>/moltbot.json`.
 * Every service resolves it here, so they all read the same file.
 */
export function resolveConfigPath(stateDir: string, explicitPath: string | undefined): string {
  if (explicitPath) return explicitPath;
  for (const name of FILE_NAMES) {
    const candidate = join(stateDir, name);
    if (existsSync(candidate)) return candidate;
  }
  return join(stateDir, FILE_NAMES[0]!);
}
