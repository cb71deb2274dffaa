import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NatsCluster, type NatsServer, startNatsServer } from "@clawdbot/natsd";
import { connect } from "nats";
import { type AppName, AppProcess, type LogLine } from "./app-process.js";
import { Haproxy } from "./haproxy.js";
import { raiseReplicas, underReplicated } from "./replication.js";

export const SERVICE_NAMES = ["session-manager", "config-service", "plugin-host"] as const satisfies readonly AppName[];

export interface ClusterOptions {
  /** Where `apps/*\/dist` and `deploy/` are; this checkout by default. */
  repoRoot?: string;
  /** NATS nodes (3 by default); 1 starts a single JetStream server. */
  natsNodes?: number;
  edges?: number;
  /** Replicas of each service. */
  replicas?: number;
  services?: readonly AppName[];
  /** HAProxy in front of the edges (default); without it clients use the edges directly. */
  loadBalancer?: boolean;
  /** Address and port of the load balancer; port 0 (the default) picks a free one. */
  lbHost?: string;
  lbPort?: number;
  token?: string;
  prefix?: string;
  /** The services' state dir (config file); a temp dir removed on stop by default. */
  stateDir?: string;
  /** Extra env for every app, then for edges only. */
  env?: NodeJS.ProcessEnv;
  edgeEnv?: NodeJS.ProcessEnv;
  logLevel?: string;
  /** Every log line of every process: apps by name (`edge-1`, `session-manager-2`), `haproxy`. */
  onLine?: (source: string, line: LogLine) => void;
  /**
   * Every child in a process group of its own: a terminal's Ctrl-C then reaches only the
   * launcher, which stops the parts in order (edges, load balancer, services, NATS) instead of
   * NATS quitting while the others still drain through it.
   */
  detached?: boolean;
}

/** The scale-out topology of deploy/README.md, on loopback, with every part a real process. */
export class Cluster {
  readonly repoRoot: string;
  readonly token: string;
  readonly prefix: string;
  readonly stateDir: string;
  /** Every NATS node, in order; `natsCluster` when there are several. */
  readonly nats: NatsServer[];
  readonly natsCluster: NatsCluster | undefined;
  readonly edges: AppProcess[] = [];
  readonly edgePorts: number[] = [];
  readonly services: AppProcess[] = [];
  lb: Haproxy | undefined;
  readonly #options: ClusterOptions;
  readonly #ownsStateDir: boolean;
  #lbAddress = "";

  private constructor(options: ClusterOptions, nats: NatsServer[], natsCluster: NatsCluster | undefined) {
    this.#options = options;
    this.repoRoot = options.repoRoot ?? fileURLToPath(new URL("../../../", import.meta.url));
    this.token = options.token ?? randomBytes(16).toString("hex");
    this.prefix = options.prefix ?? `c${randomBytes(4).toString("hex")}`;
    this.#ownsStateDir = options.stateDir === undefined;
    this.stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "clawdbot-cluster-"));
    this.nats = nats;
    this.natsCluster = natsCluster;
  }

  /** Starts NATS, the services, the edges and the load balancer; stops what started if any part fails. */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const nodes = options.natsNodes ?? 3;
    let natsCluster: NatsCluster | undefined;
    let nats: NatsServer[];
    if (nodes > 1) {
      natsCluster = await NatsCluster.start({ size: nodes, name: "clawdbot", detached: options.detached ?? false });
      nats = natsCluster.servers;
      await jetStreamHealthy(nats);
    } else {
      nats = [await startNatsServer({ detached: options.detached ?? false })];
    }
    const cluster = new Cluster(options, nats, natsCluster);
    try {
      await cluster.#startAll();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get natsUrl(): string {
    return this.nats.map((s) => s.url).join(",");
  }

  /** Where clients connect: the load balancer, or the first edge without one. */
  get url(): string {
    return this.lb ? `ws://${this.#lbAddress}` : this.edgeUrl(0);
  }

  get httpUrl(): string {
    return this.url.replace(/^ws:/, "http:");
  }

  edgeUrl(index: number): string {
    return `ws://127.0.0.1:${this.edgePorts[index]}`;
  }

  /** JetStream replicas the deployment's streams should have: 3, or fewer with fewer nodes. */
  get jsReplicas(): number {
    return Math.min(3, this.nats.length);
  }

  /** The env every app gets. */
  appEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NATS_URL: this.natsUrl,
      // Every bucket and stream an app creates is kept on this many nodes (raised if made with fewer).
      CLAWDBOT_JS_REPLICAS: String(this.jsReplicas),
      CLAWDBOT_NATS_PREFIX: this.prefix,
      CLAWDBOT_GATEWAY_TOKEN: this.token,
      CLAWDBOT_STATE_DIR: this.stateDir,
      CLAWDBOT_LOG_LEVEL: this.#options.logLevel ?? "info",
      ...this.#options.env,
      ...extra,
    };
  }

  /** Starts one more replica of a service, named `<app>-<n>`. */
  async startService(app: AppName, extraEnv: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
    const n = this.services.filter((s) => s.app === app).length + 1;
    const service = await this.#spawn(app, `${app}-${n}`, this.appEnv(extraEnv));
    this.services.push(service);
    return service;
  }

  /**
   * Starts edge `index` (0-based, named `edge-<index+1>`): on a free port the first time, on its
   * old port when it is started again after a kill, so the load balancer finds it where it was.
   */
  async startEdge(index: number): Promise<AppProcess> {
    const name = `edge-${index + 1}`;
    const env = this.appEnv({
      CLAWDBOT_GATEWAY_PORT: String(this.edgePorts[index] ?? 0),
      CLAWDBOT_GATEWAY_BIND: "127.0.0.1",
      CLAWDBOT_EDGE_ID: name,
      // Each edge would advertise its own port over mDNS, where clients must use the load balancer's.
      CLAWDBOT_DISABLE_BONJOUR: "1",
      // The load balancer connects from loopback; only its X-Forwarded-For is believed.
      ...(this.#options.loadBalancer === false ? {} : { CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "127.0.0.1" }),
      ...this.#options.edgeEnv,
    });
    const edge = await this.#spawn("gateway-edge", name, env);
    const listening = await edge.ready;
    this.edges[index] = edge;
    this.edgePorts[index] = listening.port as number;
    return edge;
  }

  /**
   * Raises every stream of the deployment still short of `jsReplicas` (a safety net, see
   * replication.ts); returns those raised, none when every app created its own with the setting.
   */
  async raiseReplicas(): Promise<string[]> {
    return this.#withNats((nc) => raiseReplicas(nc, this.prefix, this.jsReplicas));
  }

  async underReplicated(): Promise<Record<string, number>> {
    return this.#withNats((nc) => underReplicated(nc, this.prefix, this.jsReplicas));
  }

  /** Resolves once the load balancer sees every running edge as up. */
  async waitEdgesUp(timeoutMs?: number): Promise<void> {
    const names = this.edges.filter((e) => e.running).map((e) => e.name);
    await this.lb?.waitFor(names, "UP", timeoutMs);
  }

  /** Stops in dependency order: edges (clients get `shutdown`), the load balancer, services, NATS. */
  async stop(): Promise<void> {
    await Promise.all(this.edges.map((e) => e.stop()));
    await this.lb?.stop();
    await Promise.all(this.services.map((s) => s.stop()));
    if (this.natsCluster) await this.natsCluster.stop();
    else await Promise.all(this.nats.map((s) => s.stop()));
    if (this.#ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** SIGKILL to every process; synchronous, for an `exit` handler. */
  killAll(): void {
    for (const app of [...this.edges, ...this.services]) app.kill();
    this.lb?.kill();
    for (const server of this.nats) if (server.running) server.signal("SIGKILL");
  }

  async #startAll(): Promise<void> {
    const services = this.#options.services ?? SERVICE_NAMES;
    const replicas = this.#options.replicas ?? 2;
    // One of each first: they create the buckets and streams, so the second replicas only open them.
    await Promise.all(services.map((app) => this.startService(app)));
    for (let i = 1; i < replicas; i++) await Promise.all(services.map((app) => this.startService(app)));
    const edges = this.#options.edges ?? 2;
    await Promise.all(Array.from({ length: edges }, (_, i) => this.startEdge(i)));
    // The apps got CLAWDBOT_JS_REPLICAS; this only catches a stream made by one that ignores it.
    const raised = await this.raiseReplicas();
    if (raised.length > 0) this.#options.onLine?.("cluster", { msg: `raised to ${this.jsReplicas} replicas (made without CLAWDBOT_JS_REPLICAS): ${raised.join(", ")}` });
    if (this.#options.loadBalancer === false) return;
    this.#lbAddress = `${this.#options.lbHost ?? "127.0.0.1"}:${this.#options.lbPort || (await freePort())}`;
    this.lb = await Haproxy.start({
      configFile: join(this.repoRoot, "deploy", "haproxy", "haproxy.cfg"),
      bind: this.#lbAddress,
      statsBind: `127.0.0.1:${await freePort()}`,
      edges: this.edges.map((edge, i) => ({ name: edge.name, address: `127.0.0.1:${this.edgePorts[i]}` })),
      onLine: (msg) => this.#options.onLine?.("haproxy", { msg }),
      detached: this.#options.detached ?? false,
    });
    await this.waitEdgesUp();
  }

  #spawn(app: AppName, name: string, env: NodeJS.ProcessEnv): Promise<AppProcess> {
    const onLine = this.#options.onLine;
    return AppProcess.start({
      repoRoot: this.repoRoot,
      app,
      name,
      env,
      detached: this.#options.detached ?? false,
      ...(onLine ? { onLine: (source: string, line: LogLine) => onLine(source, line) } : {}),
    });
  }

  async #withNats<T>(use: (nc: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> {
    const nc = await connect({ servers: this.nats.map((s) => s.url), name: "clawdbot-cluster" });
    try {
      return await use(nc);
    } finally {
      await nc.close();
    }
  }
}

export function startCluster(options?: ClusterOptions): Promise<Cluster> {
  return Cluster.start(options);
}

/**
 * Every node's `/healthz` answers 200, which on a cluster member means its JetStream is current
 * with the meta group: services that create buckets right after then find them on every node.
 */
async function jetStreamHealthy(servers: NatsServer[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const server of servers) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${server.monitoringPort}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`nats ${server.url} not healthy in time`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A port free right now on loopback (HAProxy needs numbers, not port 0). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
