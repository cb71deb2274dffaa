import { type ChildProcess, fork } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Node flags that run one of the bench's TypeScript files as its own process. */
export const TS_EXEC_ARGV = ["--import", import.meta.resolve("tsx"), "--conditions=@clawdbot/source"];

const children = new Set<ChildProcess>();

/** Forks a TypeScript module of the bench (IPC with structured clone, stdout piped, stderr shown). */
export function forkTs(module: URL, args: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = fork(fileURLToPath(module), args, {
    execArgv: TS_EXEC_ARGV,
    serialization: "advanced",
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** A bare server of the baselines: resolves with what it printed on its `{"ready":true,…}` line. */
export async function startServer(module: URL, args: string[], name: string): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const child = forkTs(module, args);
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000);
    lines.on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.ready === true) {
          clearTimeout(timer);
          resolve(parsed);
        }
      } catch {
        // not a ready line
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start (${code ?? signal})`));
    });
  });
  return { child, info };
}

/** Stops a child: SIGTERM, SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Last resort on exit: no child outlives the bench. */
export function killAllChildren(): void {
  for (const child of children) child.kill("SIGKILL");
}
