import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export const INSTALL_HINT =
  "nats-server not found. Install it (Debian/Ubuntu: `sudo apt-get install -y nats-server`; macOS: `brew install nats-server`; " +
  "or download from https://github.com/nats-io/nats-server/releases), or point NATS_SERVER_BIN at the binary.";

export class NatsServerNotFoundError extends Error {
  override readonly name = "NatsServerNotFoundError";
  constructor() {
    super(INSTALL_HINT);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `NATS_SERVER_BIN`, else `nats-server` on PATH, else Debian's `/usr/sbin/nats-server`. */
export function findNatsServerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.NATS_SERVER_BIN;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new NatsServerNotFoundError();
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, "nats-server"))) return join(dir, "nats-server");
  }
  for (const candidate of ["/usr/sbin/nats-server", "/usr/local/bin/nats-server"]) {
    if (isExecutable(candidate)) return candidate;
  }
  throw new NatsServerNotFoundError();
}
