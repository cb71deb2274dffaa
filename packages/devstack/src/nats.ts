import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { type NatsServer, startNatsServer } from "@clawdbot/natsd";

export interface DevNats {
  url: string;
  /** The server devstack started, or undefined when one was already running at the URL. */
  server: NatsServer | undefined;
  /** False for a running server without JetStream, which the services' KV and streams need. */
  jetstream: boolean;
}

const PROBE_TIMEOUT_MS = 1_500;

/**
 * Uses the nats-server at `url` if one answers; otherwise starts one there, with JetStream kept in
 * `<stateDir>/nats` so streams and KV survive restarts of `pnpm dev`. Throws natsd's
 * NatsServerNotFoundError when one is needed and the binary is missing.
 */
export async function ensureNats(url: string, stateDir: string): Promise<DevNats> {
  const { host, port } = firstServer(url);
  const info = await natsInfo(host, port);
  if (info) return { url, server: undefined, jetstream: info.jetstream === true };
  const server = await startNatsServer({ host, port, storeDir: join(stateDir, "nats") });
  return { url, server, jetstream: true };
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
 * A TCP connect that reads nats-server's greeting (`INFO {json}`), or undefined when nothing
 * listens. Something else on the port is an error, not "nothing runs": starting nats-server
 * there would only fail with a less helpful message.
 */
function natsInfo(host: string, port: number): Promise<{ jetstream?: boolean } | undefined> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    let greeting = "";
    const done = (result: { jetstream?: boolean } | undefined | Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => done(socket.readyState === "open" ? notNats(host, port) : undefined), PROBE_TIMEOUT_MS);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      greeting += chunk;
      if (greeting.length >= 5 && !greeting.startsWith("INFO ")) return done(notNats(host, port));
      const end = greeting.indexOf("\r\n");
      if (end < 0) return;
      try {
        done(JSON.parse(greeting.slice(5, end)) as { jetstream?: boolean });
      } catch {
        done(notNats(host, port));
      }
    });
    socket.on("error", () => done(undefined));
  });
}

function notNats(host: string, port: number): Error {
  return new Error(`something other than nats-server listens on ${host}:${port}: free the port or point NATS_URL elsewhere`);
}
