import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Runs the built `clawdbot` command as a real process: plain (pipes) or in a pseudo-terminal
// through util-linux `script`, which is how a person would use `clawdbot chat`.

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const cliEntry = join(repoRoot, "apps", "cli", "bin", "clawdbot.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment the CLI sees: this process's, without connection settings, and a state dir
 * of its own so no real config file or dev token is read by accident.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(CLAWDBOT|MOLTBOT)_/.test(key)) delete env[key];
  }
  return { ...env, CLAWDBOT_STATE_DIR: mkdtempSync(join(tmpdir(), "clawdbot-cli-")), NO_COLOR: "1", ...extra };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, options: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`clawdbot ${args.join(" ")} did not finish within ${options.timeoutMs ?? 30_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** `clawdbot <args>` on a pseudo-terminal: type into it, wait for what it prints. */
export class PtyCli {
  readonly #child: ChildProcess;
  #output = "";
  readonly exited: Promise<number | null>;
  readonly #waiters = new Set<() => void>();

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    const command = [process.execPath, cliEntry, ...args].map(shellQuote).join(" ");
    // -e: exit with the child's code; /dev/null: no typescript file. COLUMNS keeps lines unwrapped.
    this.#child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { env: { TERM: "xterm", COLUMNS: "200", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      stream.setEncoding("utf8").on("data", (chunk: string) => {
        this.#output += chunk;
        for (const waiter of this.#waiters) waiter();
      });
    }
    this.exited = new Promise((resolve) => this.#child.on("exit", (code) => resolve(code)));
  }

  /** Everything printed so far, escape sequences removed. */
  get output(): string {
    return stripAnsi(this.#output);
  }

  type(text: string): void {
    this.#child.stdin!.write(text);
  }

  /** Resolves with the output once `match` holds for the part printed after `from`. */
  waitFor(match: RegExp | string, from = 0, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const tail = this.output.slice(from);
        if (typeof match === "string" ? tail.includes(match) : match.test(tail)) {
          this.#waiters.delete(check);
          clearTimeout(timer);
          resolve(this.output);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`pty: ${String(match)} not printed within ${timeoutMs} ms; output so far:\n${this.output}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
}
