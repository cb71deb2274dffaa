// `pnpm cluster` as a user runs it (its built bin, as the root script execs it): the topology of
// deploy/README.md comes up, HAProxy forwards the client's address to the edges, every stream is
// kept with 3 replicas, health counts every replica, and Ctrl-C stops every process it started.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort, underReplicated } from "@clawdbot/cluster";
import { RawClient, waitFor } from "@clawdbot/testkit";
import { connect } from "nats";
import { afterAll, expect, test } from "vitest";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "packages", "cluster", "dist", "main.js");
const stateDir = mkdtempSync(join(tmpdir(), "pnpm-cluster-"));
let child: ChildProcess | undefined;
const output: string[] = [];

afterAll(() => {
  if (child?.exitCode === null) process.kill(-child.pid!, "SIGKILL");
  rmSync(stateDir, { recursive: true, force: true });
});

/** Processes whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // comm may hold spaces; the fields after its closing parenthesis are fixed.
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("pnpm cluster: up behind HAProxy with X-Forwarded-For, 3 replicas, every replica in health; Ctrl-C stops everything", async () => {
  const lbPort = await freePort();
  // Its own process group, as in a terminal: Ctrl-C goes to the group, and the launcher keeps its
  // children out of that group so that it alone decides the order of the stop.
  child = spawn(process.execPath, [bin], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLAWDBOT_GATEWAY_PORT: String(lbPort), CLAWDBOT_STATE_DIR: stateDir, CLAWDBOT_GATEWAY_TOKEN: "", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  createInterface({ input: child.stdout! }).on("line", (l) => output.push(l));
  createInterface({ input: child.stderr! }).on("line", (l) => output.push(l));
  const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
  const banner = () => output.find((l) => l.includes("cluster is up"));
  await waitFor(() => banner() ?? (child!.exitCode !== null ? "exited" : undefined), { timeoutMs: 120_000, message: "no banner" });
  expect(child.exitCode, output.join("\n")).toBeNull();
  const field = (name: string) => output.find((l) => l.trimStart().startsWith(`${name}:`))!.split(/\s+/).filter(Boolean)[1]!;
  const url = field("URL");
  const token = field("Token");
  const natsUrl = field("NATS");
  expect(url).toBe(`ws://127.0.0.1:${lbPort}`);

  // Through HAProxy from 127.0.0.2: the edge sees that address (X-Forwarded-For from a trusted
  // proxy), not HAProxy's 127.0.0.1.
  const { client, hello } = await RawClient.connect(url, { token }, { localAddress: "127.0.0.2" });
  expect(hello).toMatchObject({ ok: true });
  await waitFor(() => output.some((l) => l.includes("client connected") && l.includes('"remote":"127.0.0.2"')), { message: "no edge saw the forwarded client address" });

  type Health = { services: Record<string, { replicas: unknown[] }>; edges: unknown[] };
  // The edge that answers learns of the other edge from its first presence beat, which may still
  // be on its way right after startup: ask until both are there (a generous deadline).
  let health!: Health;
  await waitFor(async () => {
    health = (await client.request("health")).payload as Health;
    return health.edges.length === 2;
  }, { message: "health never listed both edges" });
  expect(Object.fromEntries(Object.entries(health.services).map(([name, s]) => [name, s.replicas.length]))).toEqual({ "session-manager": 2, "config-service": 2, "plugin-host": 2 });
  expect(health.edges).toHaveLength(2);
  client.close();

  const nc = await connect({ servers: natsUrl.split(",") });
  try {
    const jsm = await nc.jetstreamManager();
    const streams = (await jsm.streams.names().next()).filter((s) => s.includes("gw"));
    expect(streams.length).toBeGreaterThan(0);
    expect(await underReplicated(nc, "gw", 3)).toEqual({});
  } finally {
    await nc.close();
  }

  const children = childrenOf(child.pid!);
  // 3 nats-servers, 2 edges, 6 service replicas, HAProxy.
  expect(children).toHaveLength(12);
  process.kill(-child.pid!, "SIGINT");
  expect(await exited).toBe(0);
  expect(children.filter(alive)).toEqual([]);
  expect(output.some((l) => l.includes("stopped"))).toBe(true);
}, 180_000);
