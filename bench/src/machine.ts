import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { findNatsServerBinary } from "@clawdbot/natsd";
import { clkTck } from "./proc.js";
import { REPO_ROOT } from "./stack.js";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  natsServer: string;
  libraries: Record<string, string>;
  clockTicks: number;
  openFiles: { soft: string; hard: string };
  loadAverage: { start: number[]; end?: number[] };
  commit: string;
}

function run(cmd: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", cwd, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

function libraryVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function describeMachine(): Machine {
  let natsServer = "unknown";
  try {
    natsServer = run(findNatsServerBinary(), ["--version"]);
  } catch {
    // reported as unknown
  }
  // Changes in bench/ are the bench itself; anything else means the measured code is not the commit.
  let status = "";
  try {
    status = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8", cwd: REPO_ROOT, stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    // not a git checkout: nothing to report
  }
  const changed = status
    .split("\n")
    .map((l) => l.slice(3).trim())
    .filter((p) => p && !p.startsWith("bench/"));
  const dirty = changed.length ? ` (with ${changed.length} uncommitted change${changed.length === 1 ? "" : "s"} outside bench/: ${changed.slice(0, 6).join(", ")}${changed.length > 6 ? ", …" : ""})` : "";
  return {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    natsServer,
    libraries: { ws: libraryVersion("ws"), nats: libraryVersion("nats") },
    clockTicks: clkTck(),
    openFiles: openFileLimits(),
    loadAverage: { start: loadavg().map((x) => Math.round(x * 100) / 100) },
    commit: `${run("git", ["rev-parse", "--short", "HEAD"], REPO_ROOT)}${dirty}`,
  };
}

/** The soft and hard open-file limits of this process (its children inherit them). */
export function openFileLimits(): { soft: string; hard: string } {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const [soft, hard] = line!.replace("Max open files", "").trim().split(/\s+/);
    return { soft: soft!, hard: hard! };
  } catch {
    return { soft: "unknown", hard: "unknown" };
  }
}
