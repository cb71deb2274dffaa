import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatParamsIssues } from "@clawdbot/protocol";
import * as z from "zod";

/** The canonical name first, then the legacy one every bundled extension of the original still ships. */
export const MANIFEST_FILES = ["moltbot.plugin.json", "clawdbot.plugin.json"] as const;

/**
 * `moltbot.plugin.json` / `clawdbot.plugin.json` (subsystems §B.1). It exists so config can be
 * validated without running plugin code; unknown keys are kept (the original has more).
 */
export const PluginManifest = z.looseObject({
  id: z.string().min(1),
  configSchema: z.record(z.string(), z.unknown()),
  kind: z.string().optional(),
  channels: z.array(z.string()).optional(),
  providers: z.array(z.string()).optional(),
  skills: z.array(z.string()).optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  version: z.string().optional(),
  uiHints: z.record(z.string(), z.unknown()).optional(),
});
export type PluginManifest = z.infer<typeof PluginManifest>;

export type ManifestRead =
  | { ok: true; manifest: PluginManifest; path: string; mtimeMs: number }
  | { ok: false; error: string; path?: string };

/** Reads the manifest in a plugin's root directory. */
export function readManifest(rootDir: string): ManifestRead {
  for (const name of MANIFEST_FILES) {
    const path = join(rootDir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      return { ok: false, path, error: `plugin manifest is not valid JSON: ${(err as Error).message}` };
    }
    const parsed = PluginManifest.safeParse(json);
    if (!parsed.success) {
      const missingSchema = parsed.error.issues.some((i) => i.path[0] === "configSchema");
      return {
        ok: false,
        path,
        error: missingSchema ? "plugin schema missing" : `invalid plugin manifest: ${formatParamsIssues(parsed.error.issues)}`,
      };
    }
    return { ok: true, manifest: parsed.data, path, mtimeMs: stat.mtimeMs };
  }
  return { ok: false, error: `plugin manifest not found (${MANIFEST_FILES.join(" or ")})` };
}

const PackageJson = z.looseObject({
  name: z.string().optional(),
  moltbot: z.looseObject({ extensions: z.array(z.string()).optional() }).optional().catch(undefined),
  clawdbot: z.looseObject({ extensions: z.array(z.string()).optional() }).optional().catch(undefined),
});

/** A directory's `package.json`: its name and its declared entry points (`moltbot.extensions`, else `clawdbot.extensions`). */
export function readPackageEntries(dir: string): { name?: string; extensions?: string[] } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  } catch {
    return undefined;
  }
  const parsed = PackageJson.safeParse(json);
  if (!parsed.success) return undefined;
  const extensions = parsed.data.moltbot?.extensions ?? parsed.data.clawdbot?.extensions;
  return {
    ...(parsed.data.name ? { name: parsed.data.name } : {}),
    ...(extensions && extensions.length > 0 ? { extensions } : {}),
  };
}
