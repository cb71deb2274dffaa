// `pnpm bench`: starts real processes (nats-server, our edge and session-manager, the bare
// baselines, load-generating clients), runs the scenarios and writes results/<date>.{json,md,svg}.
import { existsSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "nats";
import type { NatsServer } from "@clawdbot/natsd";
import { killAllChildren } from "./children.js";
import { WorkerPool } from "./load/pool.js";
import { describeMachine } from "./machine.js";
import { type Plan, type ScenarioId, USAGE, UsageError, planFromArgs } from "./plan.js";
import { renderJson } from "./report/json.js";
import { renderMarkdown, targetsTable } from "./report/markdown.js";
import type { BenchReport } from "./report/model.js";
import { renderBarChart } from "./report/svg.js";
import { type BenchContext, STORE_READ_METHOD } from "./scenarios/context.js";
import { chatStreaming } from "./scenarios/chat.js";
import { edgeLocalCalls } from "./scenarios/edge-local.js";
import { fanout } from "./scenarios/fanout.js";
import { idleConnections } from "./scenarios/idle.js";
import { callLatency } from "./scenarios/latency.js";
import { type ScenarioResult, failed, skipped } from "./scenarios/result.js";
import { scaleOut } from "./scenarios/scaleout.js";
import { callThroughput } from "./scenarios/throughput.js";
import { Baselines, OurStack, REPO_ROOT, ensureDir, startNats } from "./stack.js";

const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));

let plan: Plan;
try {
  plan = planFromArgs(process.argv.slice(2).filter((a) => a !== "--"));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  if (err.message) console.error(err.message);
  console.error(USAGE);
  process.exit(err.message ? 2 : 0);
}

const began = Date.now();
const log = (message: string) => {
  const s = Math.floor((Date.now() - began) / 1000);
  console.log(`[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}] ${message}`);
};

if (!plan.url) {
  const missing = ["gateway-edge", "session-manager"].filter((app) => !existsSync(join(REPO_ROOT, "apps", app, "dist", "main.js")));
  if (missing.length) {
    console.error(`not built: ${missing.join(", ")}. Run \`pnpm build\` first (\`pnpm bench\` at the repo root builds, then runs this).`);
    process.exit(2);
  }
}

const outDir = ensureDir(plan.outDir ? resolve(plan.outDir) : join(BENCH_DIR, "results"));
const startedAt = new Date(began);
const name = startedAt.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
const machine = describeMachine();
log(`gateway bench (${plan.quick ? "quick" : "full"}) on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.natsServer}`);

const TITLES: Record<ScenarioId, string> = {
  latency: "Call latency (sequential, one call in flight)",
  throughput: "Call throughput (pipelined)",
  "edge-local": "Edge-local calls (answered by the edge without NATS)",
  idle: "Idle connections",
  fanout: "Fan-out",
  chat: "Chat streaming (100 concurrent chat.send runs)",
  scaleout: "Scale-out",
};

let nats: NatsServer | undefined;
let baselines: Baselines | undefined;
let ours: OurStack | undefined;
let pool: WorkerPool | undefined;
let publisherNc: NatsConnection | undefined;

async function cleanup(): Promise<void> {
  await Promise.allSettled([pool?.stop(), ours?.stop(), baselines?.stop(), publisherNc?.close()]);
  await nats?.stop().catch(() => undefined);
  killAllChildren();
}

let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log("interrupted: stopping every process the bench started");
  void cleanup().finally(() => process.exit(130));
});

const results: ScenarioResult[] = [];
try {
  log("starting nats-server, the baselines and our stack");
  nats = await startNats();
  baselines = await new Baselines(nats).start();
  if (!plan.url) {
    const profileDir = join(BENCH_DIR, "profiles");
    ours = new OurStack({
      nats,
      nodeArgs: plan.profile ? ["--cpu-prof", `--cpu-prof-dir=${ensureDir(profileDir)}`] : [],
      serviceEnv: { CLAWDBOT_ECHO_WORD_DELAY_MS: String(plan.chatWordDelayMs), CLAWDBOT_CHAT_DELTA_THROTTLE_MS: String(plan.chatDeltaThrottleMs) },
    });
    await Promise.all([ours.addEdge(), ours.addSessionManager()]);
    for (const method of new Set([plan.method, STORE_READ_METHOD])) await ours.waitForMethod(method);
  }
  publisherNc = await connect({ servers: nats.url, name: "bench-publisher" });
  pool = new WorkerPool(plan.clientProcesses);
  const ctx: BenchContext = {
    plan,
    log,
    nats,
    baselines,
    ...(ours ? { ours } : {}),
    ...(plan.url ? { external: { url: plan.url, ...(plan.token ? { token: plan.token } : {}), ...(plan.pid ? { pid: plan.pid } : {}) } } : {}),
  };
  const runners: Record<ScenarioId, () => Promise<ScenarioResult>> = {
    latency: () => callLatency(ctx),
    throughput: () => callThroughput(ctx, pool!),
    "edge-local": () => edgeLocalCalls(ctx, pool!),
    idle: () => idleConnections(ctx, pool!, publisherNc!),
    fanout: () => fanout(ctx, pool!, publisherNc!),
    chat: () => chatStreaming(ctx, pool!, publisherNc!),
    scaleout: () => scaleOut(ctx, pool!),
  };
  const needsOurStack = new Set<ScenarioId>(["idle", "fanout", "chat", "scaleout"]);
  for (const id of plan.only) {
    if (interrupted) break;
    if (plan.url && needsOurStack.has(id)) {
      results.push(skipped(id, TITLES[id], "needs our stack (not measured with --url)"));
      continue;
    }
    const t0 = Date.now();
    try {
      const result = await runners[id]();
      results.push(result);
      if (result.status === "skipped") log(`${TITLES[id]}: skipped: ${result.note}`);
      else if (result.status === "failed") log(`${result.title} FAILED: ${result.note}`);
      else log(`${result.title}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      log(`${TITLES[id]} FAILED: ${(err as Error).stack ?? String(err)}`);
      results.push(failed(id, TITLES[id], err));
    }
  }
} catch (err) {
  log(`bench failed to set up: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  log("stopping every process the bench started");
  await cleanup();
}

machine.loadAverage.end = (await import("node:os")).loadavg().map((x) => Math.round(x * 100) / 100);
const report: BenchReport = {
  schema: 1,
  name,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  durationS: (Date.now() - began) / 1000,
  mode: plan.quick ? "quick" : "full",
  argv: process.argv.slice(2).filter((a) => a !== "--"),
  subject: plan.url ? `the server at ${plan.url}` : "our gateway (built apps: gateway-edge + session-manager over a fresh nats-server)",
  machine,
  scenarios: results,
};
const chartFile = (scenario: string, chart: string) => `${name}-${chart}.svg`;
const written: string[] = [];
for (const scenario of results) {
  for (const chart of scenario.charts) {
    const file = join(outDir, chartFile(scenario.id, chart.file));
    writeFileSync(file, renderBarChart(chart));
    written.push(file);
  }
}
writeFileSync(join(outDir, `${name}.json`), renderJson(report));
writeFileSync(join(outDir, `${name}.md`), renderMarkdown(report, chartFile));
written.unshift(join(outDir, `${name}.json`), join(outDir, `${name}.md`));

console.log(`\n${targetsTable(results.flatMap((s) => s.targets))}`);
for (const s of results.filter((r) => r.status !== "ok")) console.log(`${s.title}: ${s.status}: ${s.note}`);
log(`wrote ${written.map((f) => relative(process.cwd(), f)).join(", ")}`);
if (results.some((r) => r.status === "failed")) process.exitCode = 1;
process.exit();
