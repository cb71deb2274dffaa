import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const APP_NAMES = ["gateway-edge", "session-manager", "config-service", "plugin-host"] as const;
export type AppName = (typeof APP_NAMES)[number];

export interface AppLine {
  app: AppName;
  stream: "stdout" | "stderr";
  text: string;
}

export interface AppOptions {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  onLine: (line: AppLine) => void;
  /** The watcher itself ended (not a crash of the app, which tsx watch survives). */
  onExit: (app: AppName, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** How long an app gets to drain after SIGTERM before its whole process group is killed. */
export const STOP_GRACE_MS = 10_000;

// tsx is devstack's own dependency: resolving its CLI here works whatever the cwd or PATH, and
// running it with this node spares a shell shim between us and the watcher we signal.
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");

/** One app as `tsx watch` from its source, restarted by tsx on every save. */
export class DevApp {
  readonly name: AppName;
  readonly exited: Promise<void>;
  readonly #child: ChildProcess;

  constructor(name: AppName, options: AppOptions) {
    this.name = name;
    this.#child = spawn(
      process.execPath,
      [tsxCli, "watch", "--clear-screen=false", "--conditions=@clawdbot/source", "src/main.ts"],
      {
        cwd: join(options.repoRoot, "apps", name),
        env: options.env,
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group: no signal sent to devstack's group reaches the app as well as
        // the one tsx watch relays (an app's second signal skips its drain), and at the end the
        // whole group, the app included, can be killed in one go.
        detached: true,
      },
    );
    for (const stream of ["stdout", "stderr"] as const) {
      createInterface({ input: this.#child[stream]! }).on("line", (text) => options.onLine({ app: name, stream, text }));
    }
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        options.onExit(name, code, signal);
        resolve();
      });
      this.#child.once("error", () => resolve()); // spawn failure: no process to wait for
    });
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null && this.#child.pid !== undefined;
  }

  /** SIGTERM to the watcher, which passes it to the app; the group is killed after the grace. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.running) this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.kill(); // whatever the watcher left behind in its group
  }

  /** SIGKILL to the whole process group; synchronous, so it is safe in an `exit` handler. */
  kill(): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // ESRCH: the group is already gone
    }
  }
}

export function startApps(options: AppOptions): DevApp[] {
  return APP_NAMES.map((name) => new DevApp(name, options));
}
