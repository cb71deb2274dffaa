import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface SpawnAppOptions {
  /** The script to run with node (an app's `dist/main.js`). */
  entry: string;
  /** Name used in error messages. */
  name: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves start once a log line satisfies this; by default the first line whose msg ends in "ready" or "listening". */
  ready?: (line: LogLine) => boolean;
  startTimeoutMs?: number;
  /** Extra node flags. */
  nodeArgs?: string[];
}

const defaultReady = (line: LogLine) => typeof line.msg === "string" && /(ready|listening)$/.test(line.msg);

/** One of our apps running as a real child process, its JSON log lines collected. */
export class AppProcess {
  readonly name: string;
  readonly logs: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  #stderr = "";

  private constructor(options: SpawnAppOptions) {
    this.name = options.name;
    this.#child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry], {
      env: { ...process.env, CLAWDBOT_LOG_LEVEL: "debug", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => this.#child.once("exit", (code, signal) => resolve({ code, signal })));
    createInterface({ input: this.#child.stdout! }).on("line", (text) => this.#onLine(text));
    this.#child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-16_384);
    });
  }

  static async start(options: SpawnAppOptions): Promise<AppProcess> {
    const app = new AppProcess(options);
    const ready = app.waitForLog(options.ready ?? defaultReady, options.startTimeoutMs ?? 20_000);
    const died = app.exited.then(({ code, signal }) => {
      throw new Error(`${options.name} exited during start (${code ?? signal}): ${app.stderr || app.tail()}`);
    });
    try {
      await Promise.race([ready, died]);
    } catch (err) {
      app.kill();
      throw err;
    }
    died.catch(() => undefined);
    return app;
  }

  get pid(): number {
    return this.#child.pid!;
  }
  get stderr(): string {
    return this.#stderr;
  }
  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The first log line satisfying `match`, already seen or still to come. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const seen = this.logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (line: LogLine) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name}: expected log line not seen within ${timeoutMs} ms; last lines:\n${this.tail()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** SIGTERM and wait for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.#child.kill(signal);
    return this.exited;
  }

  kill(): void {
    if (this.running) this.#child.kill("SIGKILL");
  }

  tail(lines = 20): string {
    return this.logs.slice(-lines).map((l) => JSON.stringify(l)).join("\n");
  }

  #onLine(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    this.logs.push(line);
    for (const waiter of this.#waiters) {
      if (waiter.match(line)) {
        this.#waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }
}

export function spawnApp(options: SpawnAppOptions): Promise<AppProcess> {
  return AppProcess.start(options);
}
