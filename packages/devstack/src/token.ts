import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface GatewayToken {
  token: string;
  /** The file it lives in; undefined when it came from CLAWDBOT_GATEWAY_TOKEN. */
  file: string | undefined;
  created: boolean;
}

export function tokenFile(stateDir: string): string {
  return join(stateDir, "gateway-token");
}

/**
 * The edge refuses to run without a shared secret, so a first `pnpm dev` makes one and later runs
 * reuse it: clients configured once keep working. The file is 0600, like an ssh key.
 */
export function ensureGatewayToken(stateDir: string, fromEnv: string | undefined): GatewayToken {
  if (fromEnv) return { token: fromEnv, file: undefined, created: false };
  const file = tokenFile(stateDir);
  const existing = readToken(file);
  if (existing) {
    // A file copied around or made by hand may be readable by others: tighten it, don't trust it.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { token: existing, file, created: false };
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(16).toString("hex");
  try {
    // "wx": if another `pnpm dev` wrote one a moment ago, use theirs rather than overwrite it.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    const raced = (err as NodeJS.ErrnoException).code === "EEXIST" ? readToken(file) : undefined;
    if (!raced) throw err;
    return { token: raced, file, created: false };
  }
  return { token, file, created: true };
}

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
