import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const APP_NAMES = ["gateway-edge", "session-manager", "config-service", "plugin-host"] as const;
export type AppName = (typeof APP_NAMES)[number];

/** One log line of an app: its JSON record when it wrote one, else `{ msg: text }`. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface AppProcessOptions {
  repoRoot: string;
  app: AppName;
  /** Its name in the cluster and in output, e.g. `edge-1` or `session-manager-2`. */
  name: string;
  env: NodeJS.ProcessEnv;
  /** Every stdout line (parsed) and stderr line (as `msg`) the app writes. */
  onLine?: (name: string, line: LogLine, stream: "stdout" | "stderr") => void;
  /** Its own process group: see `ClusterOptions.detached`. */
  detached?: boolean;
  startTimeoutMs?: number;
}

const TAIL_LINES = 200;
const READY = /(ready|listening)$/;

/**
 * A built app (`apps/<app>/dist/main.js`) as a child process. Keeps only a bounded tail of its
 * log, so a cluster left running for days does not grow; whoever needs every line takes `onLine`.
 */
export class AppProcess {
  readonly app: AppName;
  readonly name: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The `listening` line of an edge, the `ready` line of a service. */
  readonly ready: Promise<LogLine>;
  readonly #child: ChildProcess;
  readonly #tail: string[] = [];
  readonly #waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();

  private constructor(options: AppProcessOptions) {
    this.app = options.app;
    this.name = options.name;
    this.#child = spawn(process.execPath, [join(options.repoRoot, "apps", options.app, "dist", "main.js")], {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached ?? false,
    });
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => resolve({ code, signal }));
      this.#child.once("error", () => resolve({ code: null, signal: null }));
    });
    const line = (stream: "stdout" | "stderr") => (text: string) => {
      this.#tail.push(text);
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
      const record = stream === "stdout" ? parseRecord(text) : { msg: text };
      options.onLine?.(this.name, record, stream);
      for (const waiter of this.#waiters) {
        if (waiter.match(record)) {
          this.#waiters.delete(waiter);
          waiter.resolve(record);
        }
      }
    };
    createInterface({ input: this.#child.stdout! }).on("line", line("stdout"));
    createInterface({ input: this.#child.stderr! }).on("line", line("stderr"));
    this.ready = this.waitForLog((l) => typeof l.msg === "string" && READY.test(l.msg), options.startTimeoutMs ?? 30_000);
  }

  /** Starts the app and resolves once it logged that it is ready; kills it if it dies or stalls first. */
  static async start(options: AppProcessOptions): Promise<AppProcess> {
    const app = new AppProcess(options);
    const died = app.exited.then(({ code, signal }) => {
      throw new Error(`${app.name} exited during start (${code ?? signal}):\n${app.tail()}`);
    });
    died.catch(() => undefined);
    try {
      await Promise.race([app.ready, died]);
    } catch (err) {
      app.kill();
      throw err;
    }
    return app;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The next log line satisfying `match`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name}: expected log line not seen within ${timeoutMs} ms; last lines:\n${this.tail()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** SIGTERM (the app drains), then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.kill(), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** SIGKILL; synchronous, so it is safe in an `exit` handler. */
  kill(): void {
    this.signal("SIGKILL");
  }

  tail(lines = 20): string {
    return this.#tail.slice(-lines).join("\n");
  }
}

function parseRecord(text: string): LogLine {
  if (text.startsWith("{")) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === "object" && !Array.isArray(value)) return value as LogLine;
    } catch {
      // not JSON after all
    }
  }
  return { msg: text };
}
