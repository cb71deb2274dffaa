import { readFile } from "node:fs/promises";
import type { InitializeHook, LoadHook, ResolveHook } from "node:module";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

/**
 * Module hooks registered in each plugin worker: TypeScript plugins load on Node 20 (esbuild strips
 * the types, one file at a time, keeping ES module semantics), `.js` specifiers find their `.ts`
 * files as TypeScript's ESM convention expects, and the SDK's import names resolve to the SDK the
 * host ships (the original's jiti aliases), so a plugin needs no node_modules of its own.
 */

export interface LoaderHooksData {
  sdkUrl: string;
}

const SDK_SPECIFIERS = new Set(["@clawdbot/plugin-sdk", "clawdbot/plugin-sdk", "moltbot/plugin-sdk"]);
const TS_FILE = /\.(?:ts|mts|cts)$/;

let sdkUrl: string | undefined;

export const initialize: InitializeHook<LoaderHooksData> = (data) => {
  sdkUrl = data.sdkUrl;
};

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (SDK_SPECIFIERS.has(specifier) && sdkUrl) return { url: sdkUrl, shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const relative = specifier.startsWith("./") || specifier.startsWith("../");
    if (!relative || !context.parentURL?.startsWith("file:") || (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT")) {
      throw err;
    }
    for (const candidate of typeScriptCandidates(specifier)) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // try the next spelling
      }
    }
    throw err;
  }
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith("file:") || !TS_FILE.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "node20",
    sourcefile: path,
    sourcemap: "inline",
  });
  return { format: "module", source: code, shortCircuit: true };
};

function typeScriptCandidates(specifier: string): string[] {
  const swapped = specifier.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts").replace(/\.cjs$/, ".cts");
  if (swapped !== specifier) return [swapped];
  return [`${specifier}.ts`, `${specifier}/index.ts`];
}
