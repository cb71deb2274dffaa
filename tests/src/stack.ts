import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AppProcess, type LogLine, spawnApp } from "@clawdbot/testkit";

export type AppName = "gateway-edge" | "session-manager" | "config-service" | "plugin-host";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The built entry of an app: tests run what ships, so `pnpm test` builds the apps first. */
export function appEntry(name: AppName): string {
  return join(repoRoot, "apps", name, "dist", "main.js");
}

export interface StackOptions {
  natsUrl: string;
  prefix?: string;
  token?: string;
  stateDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** One deployment's worth of settings; every app started through it shares them. */
export class Stack {
  readonly natsUrl: string;
  readonly prefix: string;
  readonly token: string;
  readonly stateDir: string;
  readonly apps: AppProcess[] = [];
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: StackOptions) {
    this.natsUrl = options.natsUrl;
    this.prefix = options.prefix ?? `t${randomBytes(4).toString("hex")}`;
    this.token = options.token ?? randomBytes(16).toString("hex");
    this.stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "clawdbot-state-"));
    this.#env = options.env ?? {};
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      NATS_URL: this.natsUrl,
      CLAWDBOT_NATS_PREFIX: this.prefix,
      CLAWDBOT_GATEWAY_TOKEN: this.token,
      CLAWDBOT_STATE_DIR: this.stateDir,
      CLAWDBOT_REGISTRY_HEARTBEAT_MS: "500",
      ...this.#env,
      ...extra,
    };
  }

  async start(name: AppName, extraEnv: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
    const app = await spawnApp({ name, entry: appEntry(name), env: this.env(extraEnv) });
    this.apps.push(app);
    return app;
  }

  /** Starts an edge on a free port and returns it with its ws:// URL. */
  async startEdge(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ edge: AppProcess; url: string; httpUrl: string }> {
    const edge = await this.start("gateway-edge", { CLAWDBOT_GATEWAY_PORT: "0", ...extraEnv });
    const line = await edge.waitForLog((l: LogLine) => l.msg === "gateway edge listening");
    const port = line.port as number;
    return { edge, url: `ws://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${port}` };
  }

  async startServices(): Promise<void> {
    await Promise.all([this.start("session-manager"), this.start("config-service"), this.start("plugin-host")]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.apps.map((a) => a.stop()));
  }
}
