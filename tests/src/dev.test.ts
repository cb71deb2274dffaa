// `pnpm dev` end to end, as a developer runs it: the real root script, its own nats-server on a
// free port, the four apps from source, the README's `examples/call.mjs`, then Ctrl-C.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { waitFor } from "@clawdbot/testkit";
import { afterEach, describe, expect, test } from "vitest";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Dev {
  child: ChildProcess;
  /** stdout and stderr together, colour codes removed. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let running: Dev | undefined;
const stateDirs: string[] = [];

afterEach(async () => {
  // Only a failed test leaves `pnpm dev` running. SIGINT first, so devstack stops what it
  // started; SIGKILL if it does not (devstack's detached copy then stops itself on seeing its
  // relay gone).
  const dev = running;
  running = undefined;
  if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
    signalGroup(dev.child, "SIGINT");
    const timer = setTimeout(() => signalGroup(dev.child, "SIGKILL"), 20_000);
    await dev.exited;
    clearTimeout(timer);
  }
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/** A port nothing listens on right now (never 4222: that is the machine's shared server). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "clawdbot-dev-"));
  stateDirs.push(dir);
  return dir;
}

function startDev(env: NodeJS.ProcessEnv): Dev {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
  delete childEnv.FORCE_COLOR;
  if (!env.CLAWDBOT_GATEWAY_TOKEN) delete childEnv.CLAWDBOT_GATEWAY_TOKEN;
  // Detached: its own process group, which a signal reaches whole, as a terminal's Ctrl-C does.
  const child = spawn("pnpm", ["dev"], { cwd: repoRoot, env: childEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const dev = { child, output: () => stripVTControlCharacters(output), exited };
  running = dev;
  return dev;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms).unref()),
  ]);
}

/** The README's example client, run as a user would. */
function call(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, "examples", "call.mjs"), ...args],
      { cwd: repoRoot, env: { ...process.env, CLAWDBOT_GATEWAY_TOKEN: "", ...env }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 2) : 0, stdout, stderr }),
    );
  });
}

/** Retries until the method is served: the services may announce themselves after the edge. */
async function callUntilOk(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  let last = { code: -1, stdout: "", stderr: "" };
  try {
    return await waitFor(
      async () => {
        last = await call(args, env);
        return last.code === 0 ? (JSON.parse(last.stdout) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } catch {
    throw new Error(`${args.join(" ")} never succeeded; last exit ${last.code}: ${last.stderr}`);
  }
}

describe("pnpm dev", () => {
  test("starts nats-server and the apps, prints a working banner, and stops everything on Ctrl-C", async () => {
    const stateDir = tempStateDir();
    const natsPort = await freePort();
    const dev = startDev({
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      CLAWDBOT_STATE_DIR: stateDir,
      CLAWDBOT_GATEWAY_PORT: "0",
      CLAWDBOT_NATS_PREFIX: `dev${randomBytes(4).toString("hex")}`,
    });
    const early = dev.exited.then(({ code, signal }) => {
      throw new Error(`pnpm dev exited early (${code ?? signal}):\n${dev.output()}`);
    });
    early.catch(() => undefined);

    const banner = await Promise.race([
      waitFor(() => /URL:\s+(ws:\/\/\S+)[\s\S]*?Token:\s+([0-9a-f]{32})/.exec(dev.output()), {
        timeoutMs: 60_000,
        intervalMs: 100,
        message: "no banner from pnpm dev",
      }),
      early,
    ]).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- output ---\n${dev.output()}`);
    });
    const [, url, token] = banner as unknown as [string, string, string];

    const tokenFile = join(stateDir, "gateway-token");
    expect(readFileSync(tokenFile, "utf8").trim()).toBe(token);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(await accepts(natsPort)).toBe(true);

    // The token comes from the state dir's file, as for a developer who never copied it.
    const callEnv = { CLAWDBOT_STATE_DIR: stateDir };
    const sessions = await callUntilOk(["sessions.list", "--url", url], callEnv);
    expect(Array.isArray(sessions.sessions)).toBe(true);
    const config = await callUntilOk(["config.get", "--url", url], callEnv);
    expect(config).toHaveProperty("config");
    const plugins = await callUntilOk(["plugins.list", "{}", "--url", url], callEnv);
    // From source too, the bundled voicewake plugin loads in its worker.
    expect(plugins.plugins).toEqual(expect.arrayContaining([expect.objectContaining({ id: "voicewake", state: "loaded" })]));

    const wrong = await call(["sessions.list", "--url", url, "--token", "wrong"], {});
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^INVALID_REQUEST: unauthorized/);

    signalGroup(dev.child, "SIGINT");
    const exit = await withTimeout(dev.exited, 30_000, "pnpm dev did not exit after SIGINT");
    expect(exit.code === 0 || exit.signal !== null, `exit ${JSON.stringify(exit)}\n${dev.output()}`).toBe(true);
    expect(dev.output()).toContain("stopping nats-server");
    // The nats-server devstack started and the edge are gone, not orphaned.
    await waitFor(async () => !(await accepts(natsPort)), { timeoutMs: 5_000, message: "nats-server still listening" });
    expect(await accepts(Number(new URL(url).port))).toBe(false);

    const gone = await call(["sessions.list", "--url", url], callEnv);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain("cannot talk to the gateway");
  }, 150_000);

  test("without a nats-server binary it exits non-zero with the install hint", async () => {
    const dev = startDev({
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      NATS_SERVER_BIN: "/nonexistent/nats-server",
      CLAWDBOT_STATE_DIR: tempStateDir(),
      CLAWDBOT_GATEWAY_PORT: "0",
    });
    const exit = await withTimeout(dev.exited, 60_000, "pnpm dev did not exit");
    expect(exit.code, dev.output()).not.toBe(0);
    expect(exit.code, dev.output()).not.toBeNull();
    expect(dev.output()).toContain("nats-server not found. Install it");
    expect(dev.output()).toContain("apt-get install -y nats-server");
  }, 90_000);
});
