import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { type NatsServer, startNatsServer } from "@clawdbot/natsd";

export interface DevNats {
  url: string;
  /** The server devstack started, or undefined when one was already running at the URL. */
  server: NatsServer | undefined;
}

const PROBE_TIMEOUT_MS = 1_500;

/**
 * Uses the nats-server at `url` if one answers; otherwise starts one there, with JetStream kept in
 * `<stateDir>/nats` so streams and KV survive restarts of `pnpm dev`. Throws natsd's
 * NatsServerNotFoundError when one is needed and the binary is missing.
 */
export async function ensureNats(url: string, stateDir: string): Promise<DevNats> {
  const { host, port } = firstServer(url);
  if (await answersAsNats(host, port)) return { url, server: undefined };
  const server = await startNatsServer({ host, port, storeDir: join(stateDir, "nats") });
  return { url, server };
}

/** host and port of the first server in a (possibly comma-separated) NATS URL. */
export function firstServer(url: string): { host: string; port: number } {
  const first = url.split(",")[0]!.trim();
  const parsed = new URL(first.includes("://") ? first : `nats://${first}`);
  // URL keeps the brackets of an IPv6 host; nats-server's listen wants it bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  return { host, port: parsed.port ? Number(parsed.port) : 4222 };
}

/**
 * A TCP connect that sees nats-server's greeting. Something else on the port is an error, not
 * "nothing runs": starting nats-server there would only fail with a less helpful message.
 */
function answersAsNats(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    let greeting = "";
    const done = (result: boolean | Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(
      () => done(greeting || socket.readyState === "open" ? notNats(host, port) : false),
      PROBE_TIMEOUT_MS,
    );
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      greeting += chunk;
      if (greeting.length >= 4) done(greeting.startsWith("INFO") ? true : notNats(host, port));
    });
    socket.on("error", () => done(false));
  });
}

function notNats(host: string, port: number): Error {
  return new Error(`something other than nats-server listens on ${host}:${port}: free the port or point NATS_URL elsewhere`);
}
