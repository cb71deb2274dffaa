import { readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { PluginDiagnostic, PluginOrigin } from "@clawdbot/protocol";
import { readPackageEntries } from "./manifest.js";
import { resolveUserPath } from "./plugins-config.js";

/** A file that may be a plugin, before its manifest is read. */
export interface PluginCandidate {
  /** From the file or directory name, or the unscoped package name; the manifest's id wins. */
  idHint: string;
  /** The entry file. */
  source: string;
  /** Where the manifest must be. */
  rootDir: string;
  origin: PluginOrigin;
}

/** The four places plugins come from, in the order they are scanned (subsystems §B.2). */
export interface DiscoveryRoots {
  /** `plugins.load.paths` */
  loadPaths: string[];
  /** `<workspace>/.clawdbot/extensions` */
  workspaceDir: string;
  /** `<stateDir>/extensions` */
  globalDir: string;
  bundledDir: string | undefined;
}

const ENTRY_EXTENSIONS = [".ts", ".js", ".mts", ".cts", ".mjs", ".cjs"];
const INDEX_FILES = ENTRY_EXTENSIONS.filter((e) => [".ts", ".js", ".mjs", ".cjs"].includes(e)).map((e) => `index${e}`);

/**
 * Finds plugin candidates. Within one scan the first occurrence of a resolved entry path wins,
 * so a plugin named in `plugins.load.paths` and also sitting in an extensions directory is one
 * candidate, with the `config` origin.
 */
export function discoverPlugins(roots: DiscoveryRoots): { candidates: PluginCandidate[]; diagnostics: PluginDiagnostic[] } {
  const candidates: PluginCandidate[] = [];
  const diagnostics: PluginDiagnostic[] = [];
  const seen = new Set<string>();
  const add = (candidate: PluginCandidate) => {
    const key = realPath(candidate.source);
    if (seen.has(key)) return;
    seen.add(key);
    candidates.push(candidate);
  };

  for (const raw of roots.loadPaths) {
    const path = resolveUserPath(raw);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) {
      diagnostics.push({ level: "error", message: `plugin path not found: ${path}`, source: path });
      continue;
    }
    if (stat.isFile()) {
      if (isEntryFile(path)) add({ idHint: stripExt(basename(path)), source: path, rootDir: dirname(path), origin: "config" });
      else diagnostics.push({ level: "error", message: `not a plugin entry file: ${path}`, source: path });
      continue;
    }
    const entries = directoryEntries(path, "config");
    if (entries.length > 0) entries.forEach(add);
    else scanExtensionsDir(path, "config").forEach(add);
  }
  scanExtensionsDir(join(roots.workspaceDir, ".clawdbot", "extensions"), "workspace").forEach(add);
  scanExtensionsDir(roots.globalDir, "global").forEach(add);
  if (roots.bundledDir) scanExtensionsDir(roots.bundledDir, "bundled").forEach(add);
  return { candidates, diagnostics };
}

/** Each plugin in an extensions directory: subdirectories with entries, and loose entry files. */
function scanExtensionsDir(dir: string, origin: PluginOrigin): PluginCandidate[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const found: PluginCandidate[] = [];
  for (const name of names) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) found.push(...directoryEntries(path, origin));
    else if (stat?.isFile() && isEntryFile(path)) found.push({ idHint: stripExt(name), source: path, rootDir: dir, origin });
  }
  return found;
}

/** A plugin directory's entries: `package.json` extensions, else its `index.*`. */
function directoryEntries(dir: string, origin: PluginOrigin): PluginCandidate[] {
  const pkg = readPackageEntries(dir);
  const packageId = pkg?.name ? unscoped(pkg.name) : basename(dir);
  if (pkg?.extensions) {
    const several = pkg.extensions.length > 1;
    return pkg.extensions
      .map((entry) => resolve(dir, entry))
      .filter((source) => statSync(source, { throwIfNoEntry: false })?.isFile())
      .map((source) => ({ idHint: several ? `${packageId}/${stripExt(basename(source))}` : packageId, source, rootDir: dir, origin }));
  }
  for (const index of INDEX_FILES) {
    const source = join(dir, index);
    if (statSync(source, { throwIfNoEntry: false })?.isFile()) return [{ idHint: packageId, source, rootDir: dir, origin }];
  }
  return [];
}

function isEntryFile(path: string): boolean {
  return ENTRY_EXTENSIONS.includes(extname(path)) && !path.endsWith(".d.ts") && !/\.test\.[cm]?[jt]s$/.test(path);
}

function stripExt(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}

function unscoped(name: string): string {
  return name.startsWith("@") ? name.slice(name.indexOf("/") + 1) : name;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
