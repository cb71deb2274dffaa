// The processes under test: one nats-server for the whole run, our edge(s) and session-manager(s)
// as the built apps, and the bare baseline servers, all started fresh by the bench.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type NatsServer, startNatsServer } from "@clawdbot/natsd";
import { natsNames } from "@clawdbot/protocol";
import { type AppProcess, RawClient, spawnApp } from "@clawdbot/testkit";
import { startServer, stopChild } from "./children.js";
import type { Target } from "./load/messages.js";
import type { ClientIdentity } from "./load/protocol.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Load clients introduce themselves as the CLI does: the original keeps no presence entry for them. */
export const CLIENT: ClientIdentity = { id: "cli", mode: "cli" };

function appEntry(name: "gateway-edge" | "session-manager"): string {
  return join(REPO_ROOT, "apps", name, "dist", "main.js");
}

/** A free TCP port on loopback (bound, read and released; the edge binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One gateway edge process (the built app, logging at warn only), ready once `/readyz` says so. */
export class EdgeProcess {
  readonly url: string;
  readonly #child: ChildProcess;
  #output = "";

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.url = `ws://127.0.0.1:${port}`;
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString("utf8")).slice(-8_192));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
  }

  static async start(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<EdgeProcess> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawn(process.execPath, [...nodeArgs, appEntry("gateway-edge")], {
        env: { ...process.env, ...env, CLAWDBOT_GATEWAY_PORT: String(port), CLAWDBOT_LOG_LEVEL: "warn", CLAWDBOT_DISABLE_BONJOUR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const edge = new EdgeProcess(child, port);
      try {
        await edge.#waitReady(port);
        return edge;
      } catch (err) {
        await stopChild(child);
        if (attempt >= 3) throw err;
      }
    }
  }

  get pid(): number {
    return this.#child.pid!;
  }

  stop(): Promise<void> {
    return stopChild(this.#child, 20_000);
  }

  async #waitReady(port: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw new Error(`gateway edge exited during start: ${this.#output.trim()}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`gateway edge not ready within 20 s: ${this.#output.trim()}`);
      await delay(50);
    }
  }
}

export interface OurStackOptions {
  nats: NatsServer;
  /** Extra node flags for the edges and services (`--cpu-prof …`). */
  nodeArgs?: string[];
  /** Extra environment of the session-managers (the echo provider's pacing, the delta throttle). */
  serviceEnv?: NodeJS.ProcessEnv;
}

/** Our gateway on the run's nats-server: edges and session-managers can be added and removed. */
export class OurStack {
  readonly prefix = `bench${randomBytes(4).toString("hex")}`;
  readonly token = randomBytes(16).toString("hex");
  readonly stateDir = mkdtempSync(join(tmpdir(), "clawdbot-bench-"));
  readonly edges: EdgeProcess[] = [];
  readonly services: AppProcess[] = [];
  readonly #options: OurStackOptions;

  constructor(options: OurStackOptions) {
    this.#options = options;
  }

  get names(): ReturnType<typeof natsNames> {
    return natsNames(this.prefix);
  }

  env(): NodeJS.ProcessEnv {
    return {
      NATS_URL: this.#options.nats.url,
      CLAWDBOT_NATS_PREFIX: this.prefix,
      CLAWDBOT_GATEWAY_TOKEN: this.token,
      CLAWDBOT_STATE_DIR: this.stateDir,
    };
  }

  target(edge: EdgeProcess = this.edges[0]!): Target {
    return { kind: "ws", url: edge.url, token: this.token, handshake: true, identity: CLIENT };
  }

  async addEdge(): Promise<EdgeProcess> {
    const edge = await EdgeProcess.start(this.env(), this.#options.nodeArgs);
    this.edges.push(edge);
    return edge;
  }

  async removeEdge(edge: EdgeProcess): Promise<void> {
    this.edges.splice(this.edges.indexOf(edge), 1);
    await edge.stop();
  }

  /** A session-manager replica; info level, which logs nothing per call, to see its "ready" line. */
  async addSessionManager(): Promise<AppProcess> {
    const app = await spawnApp({
      name: "session-manager",
      entry: appEntry("session-manager"),
      nodeArgs: this.#options.nodeArgs ?? [],
      env: { ...this.env(), ...this.#options.serviceEnv, CLAWDBOT_LOG_LEVEL: "info" },
    });
    this.services.push(app);
    return app;
  }

  async removeSessionManager(app: AppProcess): Promise<void> {
    this.services.splice(this.services.indexOf(app), 1);
    await app.stop();
  }

  /** Waits until `method` is answered ok through every edge (the edges learn methods from the registry). */
  async waitForMethod(method: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const edge of this.edges) {
      const { client } = await RawClient.connect(edge.url, { token: this.token, client: { ...CLIENT } });
      try {
        for (;;) {
          const res = await client.request(method, {});
          if (res.ok === true) break;
          if (Date.now() > deadline) throw new Error(`${method} not answered through ${edge.url}: ${JSON.stringify(res)}`);
          await delay(100);
        }
      } finally {
        client.close();
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.edges.map((e) => e.stop()), ...this.services.map((s) => s.stop())]);
    this.edges.length = 0;
    this.services.length = 0;
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** A bare baseline server process. */
export interface BareServer {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

const BASELINES = {
  echo: new URL("./baselines/echo-server.ts", import.meta.url),
  composite: new URL("./baselines/composite.ts", import.meta.url),
  replier: new URL("./baselines/replier.ts", import.meta.url),
  broadcast: new URL("./baselines/broadcast.ts", import.meta.url),
};

export async function startBare(kind: keyof typeof BASELINES, args: string[] = []): Promise<BareServer> {
  const { child, info } = await startServer(BASELINES[kind], args, `baseline ${kind}`);
  return {
    pid: child.pid!,
    url: typeof info.port === "number" ? `ws://127.0.0.1:${info.port}` : "",
    stop: () => stopChild(child),
  };
}

/** The baselines every call scenario compares against, on the run's nats-server. */
export class Baselines {
  readonly subject = `bench${randomBytes(4).toString("hex")}.rpc.echo`;
  /** The bare broadcast server frames `<eventPrefix>.<name>` as event `<name>`, as our edge does. */
  readonly eventPrefix = `bench${randomBytes(4).toString("hex")}.evt`;
  readonly eventSubject = `${this.eventPrefix}.bench`;
  echo!: BareServer;
  replier!: BareServer;
  composite!: BareServer;
  readonly #nats: NatsServer;

  constructor(nats: NatsServer) {
    this.#nats = nats;
  }

  async start(): Promise<this> {
    const natsArgs = ["--nats", this.#nats.url, "--subject", this.subject];
    [this.echo, this.replier, this.composite] = await Promise.all([
      startBare("echo"),
      startBare("replier", natsArgs),
      startBare("composite", natsArgs),
    ]);
    return this;
  }

  broadcastArgs(): string[] {
    return ["--nats", this.#nats.url, "--subject", `${this.eventPrefix}.*`];
  }

  natsTarget(mode: "request" | "mux"): Target {
    return { kind: "nats", url: this.#nats.url, subject: this.subject, mode };
  }

  async stop(): Promise<void> {
    await Promise.all([this.echo, this.replier, this.composite].filter(Boolean).map((s) => s.stop()));
  }
}

/** The run's nats-server: fresh, on free ports, JetStream in a temp dir. */
export function startNats(): Promise<NatsServer> {
  return startNatsServer({ jetstream: true });
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
