import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNatsServerBinary } from "./binary.js";

export interface NatsServerOptions {
  /** Client port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** JetStream on (default) with its store in `storeDir`, or in a temp dir removed on stop. */
  jetstream?: boolean;
  storeDir?: string;
  /** Monitoring port for readiness and `/jsz`; 0 picks a free one. */
  httpPort?: number;
  serverName?: string;
  cluster?: { name: string; port?: number; routes?: string[] };
  /** Extra lines appended to the generated config. */
  extraConfig?: string;
  /** Where nats-server writes its log; inherits nothing by default. */
  logFile?: string;
  startTimeoutMs?: number;
  /**
   * Runs the server in a process group of its own, so a terminal's Ctrl-C (sent to the whole
   * foreground group) reaches only the launcher, which can then stop NATS after what drains through it.
   */
  detached?: boolean;
}

interface Ports {
  nats?: string[];
  monitoring?: string[];
  cluster?: string[];
}

const POLL_MS = 15;

/**
 * A real nats-server child process. Modelled on nats.js's test launcher: a generated config with
 * `-1` ports and a `ports_file_dir`, then "ports file appeared" raced against "process exited",
 * then a readiness probe against `/healthz`.
 */
export class NatsServer {
  readonly workDir: string;
  readonly storeDir: string | undefined;
  readonly #options: NatsServerOptions;
  #process: ChildProcess | undefined;
  #ports: { client: number; monitoring: number; cluster?: number } = { client: 0, monitoring: 0 };
  #stderr = "";

  private constructor(options: NatsServerOptions) {
    this.#options = { ...options };
    this.workDir = mkdtempSync(join(tmpdir(), "natsd-"));
    this.storeDir = options.jetstream === false ? undefined : (options.storeDir ?? join(this.workDir, "js"));
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(options);
    try {
      await server.#launch();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get port(): number {
    return this.#ports.client;
  }
  get monitoringPort(): number {
    return this.#ports.monitoring;
  }
  get clusterPort(): number | undefined {
    return this.#ports.cluster;
  }
  get url(): string {
    return `nats://${this.#options.host ?? "127.0.0.1"}:${this.port}`;
  }
  get pid(): number | undefined {
    return this.#process?.pid;
  }
  get running(): boolean {
    return this.#process !== undefined && this.#process.exitCode === null && this.#process.signalCode === null;
  }

  /** Stops and starts again on the same ports and the same JetStream store. */
  async restart(): Promise<void> {
    await this.#terminate();
    await this.#launch();
  }

  /** Stops the process (SIGTERM, SIGKILL after a grace period); the server can be restarted. */
  async halt(): Promise<void> {
    await this.#terminate();
  }

  signal(signal: NodeJS.Signals): void {
    this.#process?.kill(signal);
  }

  async jsz(): Promise<Record<string, unknown>> {
    const res = await fetch(`http://127.0.0.1:${this.monitoringPort}/jsz`);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Stops for good and removes what it created. */
  async stop(): Promise<void> {
    await this.#terminate();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #config(): string {
    const o = this.#options;
    const host = o.host ?? "127.0.0.1";
    // After the first start the learned ports are pinned, so a restart comes back where clients look.
    const port = this.#ports.client || o.port || -1;
    const httpPort = this.#ports.monitoring || o.httpPort || -1;
    const lines = [
      `listen: "${host}:${port}"`,
      `http: "127.0.0.1:${httpPort}"`,
      `ports_file_dir: "${this.workDir}"`,
    ];
    if (o.serverName) lines.push(`server_name: "${o.serverName}"`);
    if (this.storeDir) lines.push(`jetstream { store_dir: "${this.storeDir}" }`);
    if (o.cluster) {
      const clusterPort = this.#ports.cluster || o.cluster.port || -1;
      const routes = (o.cluster.routes ?? []).map((r) => `"${r}"`).join(", ");
      lines.push(`cluster { name: "${o.cluster.name}", listen: "127.0.0.1:${clusterPort}", routes: [${routes}] }`);
    }
    if (o.extraConfig) lines.push(o.extraConfig);
    return lines.join("\n") + "\n";
  }

  async #launch(): Promise<void> {
    if (this.storeDir) mkdirSync(this.storeDir, { recursive: true });
    for (const file of readdirSync(this.workDir)) if (file.endsWith(".ports")) unlinkSync(join(this.workDir, file));
    const configFile = join(this.workDir, "nats.conf");
    writeFileSync(configFile, this.#config());
    const args = ["-c", configFile];
    if (this.#options.logFile) args.push("-l", this.#options.logFile);
    this.#stderr = "";
    const child = spawn(findNatsServerBinary(), args, { stdio: ["ignore", "ignore", "pipe"], detached: this.#options.detached ?? false });
    this.#process = child;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8_192);
    });
    const exited = new Promise<never>((_, reject) => {
      child.once("exit", (code, signal) => reject(new Error(`nats-server exited early (${code ?? signal}): ${this.#stderr.trim()}`)));
      child.once("error", reject);
    });
    exited.catch(() => undefined); // observed through the race below
    const deadline = Date.now() + (this.#options.startTimeoutMs ?? 10_000);
    const ports = await Promise.race([this.#waitForPortsFile(child.pid!, deadline), exited]);
    this.#ports = {
      client: portOf(ports.nats?.[0]),
      monitoring: portOf(ports.monitoring?.[0]),
      ...(ports.cluster?.[0] ? { cluster: portOf(ports.cluster[0]) } : {}),
    };
    await Promise.race([this.#waitHealthy(deadline), exited]);
  }

  async #waitForPortsFile(pid: number, deadline: number): Promise<Ports> {
    const file = join(this.workDir, `nats-server_${pid}.ports`);
    for (;;) {
      try {
        const ports = JSON.parse(readFileSync(file, "utf8")) as Ports;
        if (ports.nats?.length && ports.monitoring?.length) return ports;
      } catch {
        // not written yet, or written halfway: poll again
      }
      if (Date.now() > deadline) throw new Error(`nats-server did not report its ports in time: ${this.#stderr.trim()}`);
      await delay(POLL_MS);
    }
  }

  async #waitHealthy(deadline: number): Promise<void> {
    // A cluster member reports healthy only once its JetStream meta group has formed, which
    // needs the other members; the cluster launcher waits for that separately.
    const path = this.#options.cluster ? "/varz" : "/healthz";
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${this.monitoringPort}${path}`);
        if (res.ok) return;
      } catch {
        // listener not up yet
      }
      if (Date.now() > deadline) throw new Error(`nats-server did not become healthy in time: ${this.#stderr.trim()}`);
      await delay(POLL_MS);
    }
  }

  async #terminate(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function portOf(url: string | undefined): number {
  const port = url ? Number(new URL(url).port) : NaN;
  if (!Number.isInteger(port) || port <= 0) throw new Error(`unreadable port in ${url}`);
  return port;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function startNatsServer(options?: NatsServerOptions): Promise<NatsServer> {
  return NatsServer.start(options);
}
