import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";

export const HAPROXY_INSTALL_HINT =
  "haproxy not found. Install it (Debian/Ubuntu: `sudo apt-get install -y haproxy`; macOS: `brew install haproxy`), or point HAPROXY_BIN at the binary.";

export class HaproxyNotFoundError extends Error {
  override readonly name = "HaproxyNotFoundError";
  constructor() {
    super(HAPROXY_INSTALL_HINT);
  }
}

/** `HAPROXY_BIN`, else `haproxy` on PATH, else Debian's `/usr/sbin/haproxy`. */
export function findHaproxyBinary(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.HAPROXY_BIN
    ? [env.HAPROXY_BIN]
    : [...(env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "haproxy")), "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new HaproxyNotFoundError();
}

export interface Backend {
  name: string;
  /** host:port */
  address: string;
}

export interface RenderOptions {
  /** host:port of the gateway frontend. */
  bind: string;
  /** host:port of the stats frontend. */
  statsBind: string;
  edges: Backend[];
}

/**
 * The shipped config with this run's addresses: the `bind` line of `frontend gateway` and of
 * `frontend stats`, and one `server` line per edge in `backend edges` carrying the options of the
 * file's first server line. Everything else (timeouts, health checks, forwarding) is used as shipped.
 */
export function renderHaproxyConfig(template: string, options: RenderOptions): string {
  const out: string[] = [];
  let section = "";
  let serversWritten = false;
  for (const line of template.split("\n")) {
    const header = /^(global|defaults|frontend|backend|listen)\b\s*(\S*)/.exec(line);
    if (header) section = `${header[1]} ${header[2]}`.trim();
    const bind = /^(\s+)bind\s+\S+(.*)$/.exec(line);
    if (bind && section === "frontend gateway") {
      out.push(`${bind[1]}bind ${options.bind}${bind[2]}`);
      continue;
    }
    if (bind && section === "frontend stats") {
      out.push(`${bind[1]}bind ${options.statsBind}${bind[2]}`);
      continue;
    }
    const server = /^(\s+)server\s+\S+\s+\S+(.*)$/.exec(line);
    if (server && section === "backend edges") {
      if (!serversWritten) for (const edge of options.edges) out.push(`${server[1]}server ${edge.name} ${edge.address}${server[2]}`);
      serversWritten = true;
      continue;
    }
    out.push(line);
  }
  if (!serversWritten) throw new Error("haproxy config has no `server` line in `backend edges` to take the edges' options from");
  return out.join("\n");
}

export interface HaproxyOptions extends RenderOptions {
  /** The config to render: deploy/haproxy/haproxy.cfg. */
  configFile: string;
  onLine?: (line: string) => void;
  detached?: boolean;
  startTimeoutMs?: number;
}

/** A server's status as HAProxy's stats report it: "UP", "DOWN", "MAINT", "NOLB", "DRAIN"… */
export type ServerState = string;

/** HAProxy as a foreground child process (`-db`) on a rendered copy of the shipped config. */
export class Haproxy {
  readonly bind: string;
  readonly statsUrl: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #workDir: string;
  #output = "";

  private constructor(options: HaproxyOptions) {
    this.bind = options.bind;
    this.statsUrl = `http://${options.statsBind}/stats;csv`;
    this.#workDir = mkdtempSync(join(tmpdir(), "clawdbot-haproxy-"));
    const config = join(this.#workDir, "haproxy.cfg");
    writeFileSync(config, renderHaproxyConfig(readFileSync(options.configFile, "utf8"), options));
    this.#child = spawn(findHaproxyBinary(), ["-db", "-f", config], { stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false });
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => resolve({ code, signal }));
      this.#child.once("error", () => resolve({ code: null, signal: null }));
    });
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        this.#output = (this.#output + line + "\n").slice(-8_192);
        options.onLine?.(line);
      });
    }
  }

  /** Starts HAProxy and resolves once its stats page answers (its listeners are bound by then). */
  static async start(options: HaproxyOptions): Promise<Haproxy> {
    const proxy = new Haproxy(options);
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    try {
      for (;;) {
        if (!proxy.running) throw new Error(`haproxy exited during start:\n${proxy.#output}`);
        try {
          await proxy.serverStates();
          return proxy;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`haproxy did not start in time:\n${proxy.#output}`);
        await delay(50);
      }
    } catch (err) {
      await proxy.stop();
      throw err;
    }
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Each edge's state as HAProxy's health checks see it. */
  async serverStates(): Promise<Record<string, ServerState>> {
    const res = await fetch(this.statsUrl);
    if (!res.ok) throw new Error(`haproxy stats: HTTP ${res.status}`);
    const [header, ...rows] = (await res.text()).trim().split("\n");
    const columns = header!.replace(/^# /, "").split(",");
    const [px, sv, status] = ["pxname", "svname", "status"].map((c) => columns.indexOf(c));
    const states: Record<string, ServerState> = {};
    for (const row of rows) {
      const cells = row.split(",");
      if (cells[px!] === "edges" && cells[sv!] !== "BACKEND") states[cells[sv!]!] = cells[status!]!.split(" ")[0]!;
    }
    return states;
  }

  /** Resolves once every named edge is in `state` (health checks run every second). */
  async waitFor(names: string[], state: ServerState, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, ServerState> = {};
    for (;;) {
      try {
        last = await this.serverStates();
        if (names.every((n) => last[n] === state)) return;
      } catch {
        // stats not answering for a moment: ask again
      }
      if (Date.now() > deadline) throw new Error(`haproxy: expected ${names.join(", ")} ${state}; states: ${JSON.stringify(last)}`);
      await delay(100);
    }
  }

  /** Hard stop: open tunnels are cut (the edges have closed theirs by then). */
  async stop(): Promise<void> {
    if (this.running) this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill(), 5_000);
    await this.exited;
    clearTimeout(timer);
    rmSync(this.#workDir, { recursive: true, force: true });
  }

  kill(): void {
    if (this.running) this.#child.kill("SIGKILL");
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
