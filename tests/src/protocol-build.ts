import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as NodeClient from "@clawdbot/protocol/ws";

export const protocolDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "packages", "protocol");
export const browserBundle = join(protocolDir, "dist", "browser", "client.js");
const nodeEntry = join(protocolDir, "dist", "client", "ws.js");

/**
 * The client tests exercise what ships (dist), which `pnpm test` builds first (turbo `^build`).
 * Run alone, say what is missing rather than failing obscurely.
 */
export function requireProtocolBuild(): void {
  for (const file of [browserBundle, nodeEntry]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm --filter @clawdbot/protocol build\` (pnpm test does it)`);
  }
}

/** The built `@clawdbot/protocol/ws` entry, rather than the TypeScript source vitest resolves to. */
export async function importBuiltNodeClient(): Promise<typeof NodeClient> {
  requireProtocolBuild();
  return (await import(pathToFileURL(nodeEntry).href)) as typeof NodeClient;
}
