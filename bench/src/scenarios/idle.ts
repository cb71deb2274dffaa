// Scenario 5 (issue's 3): N handshaken idle connections on one fresh edge: RSS per connection
// and handshake rate, against a bare ws server (the broadcast baseline, which also holds a NATS
// connection) holding as many. With the connections up, one event is fanned out to all of them.
import type { NatsConnection } from "nats";
import type { WorkerPool } from "../load/pool.js";
import { openFileLimits } from "../machine.js";
import { CpuWindow, rssBytes } from "../proc.js";
import { percentiles, ratio, spread } from "../stats.js";
import { type BareServer, startBare } from "../stack.js";
import type { Target } from "../load/messages.js";
import { type BenchContext, delay } from "./context.js";
import { FANOUT_COLUMNS, type FanoutRun, type FanoutSystem, fanoutRows, measureFanout, publisher, usToMs } from "./fanout.js";
import { type ScenarioResult, checkTarget } from "./result.js";

const SETTLE_MS = 2_000;

interface IdleRun {
  rssBeforeMiB: number;
  rssAfterMiB: number;
  bytesPerConn: number;
  handshakesPerSec: number;
  cpuPerHandshake: number;
  clientBytesPerConn: number;
}

export async function idleConnections(ctx: BenchContext, pool: WorkerPool, nc: NatsConnection): Promise<ScenarioResult> {
  const { plan, ours, baselines } = ctx;
  if (!ours) throw new Error("idle connections need our stack");
  const n = plan.idleConnections;
  const limits = openFileLimits();
  const perWorker = Math.ceil(n / pool.workers.length);
  if (limits.soft !== "unlimited" && Number(limits.soft) < perWorker + 256) {
    throw new Error(`open-file limit ${limits.soft} is too low for ${n} connections (run \`ulimit -n ${n + 1024}\` first)`);
  }
  const runs = new Map<string, IdleRun[]>();
  const fanRuns = new Map<string, FanoutRun[]>();
  const systems: FanoutSystem[] = [];
  const fanoutRepeats = plan.quick ? 5 : 10;
  const fanoutEvents = plan.quick ? 20 : 30;
  for (let run = 1; run <= plan.runs; run++) {
    for (const kind of ["edge", "bare"] as const) {
      // A fresh server per run, so its RSS holds nothing from earlier scenarios.
      let server: { pid: number; target: Target; publish: (n: number) => void; stop: () => Promise<void> };
      if (kind === "edge") {
        const edge = await ours.addEdge();
        server = { pid: edge.pid, target: ours.target(edge), publish: publisher(nc, ours.names.event("bench")), stop: () => ours.removeEdge(edge) };
      } else {
        const bare: BareServer = await startBare("broadcast", baselines.broadcastArgs());
        server = {
          pid: bare.pid,
          target: { kind: "ws", url: bare.url, handshake: false, identity: { id: "cli", mode: "cli" } },
          publish: publisher(nc, baselines.eventSubject),
          stop: () => bare.stop(),
        };
      }
      const label = kind === "edge" ? "our edge (handshaken, protocol 3)" : "bare ws server (no handshake)";
      if (run === 1) systems.push({ key: kind, label, target: server.target, publish: server.publish, processes: {} });
      try {
        ctx.log(`idle connections, run ${run}/${plan.runs}: ${label}, ${n.toLocaleString("en-US")} connections`);
        // Warm the server's connection path so the delta is connections, not first-use code.
        await pool.connect(server.target, 100, 16);
        await pool.close();
        await delay(SETTLE_MS);
        const before = rssBytes(server.pid);
        const clientBefore = pool.pids.reduce((a, pid) => a + rssBytes(pid), 0);
        const cpu = new CpuWindow({ server: [server.pid] });
        cpu.start();
        const opened = await pool.connect(server.target, n, 64);
        const used = cpu.stop();
        if (opened.failed > 0) throw new Error(`${opened.failed} of ${n} connections failed: ${opened.firstError}`);
        await delay(SETTLE_MS);
        const after = rssBytes(server.pid);
        const clientAfter = pool.pids.reduce((a, pid) => a + rssBytes(pid), 0);
        const r: IdleRun = {
          rssBeforeMiB: before / 2 ** 20,
          rssAfterMiB: after / 2 ** 20,
          bytesPerConn: (after - before) / n,
          handshakesPerSec: n / (opened.ms / 1000),
          cpuPerHandshake: used.server! / n,
          clientBytesPerConn: (clientAfter - clientBefore) / n,
        };
        runs.set(kind, [...(runs.get(kind) ?? []), r]);
        ctx.log(`  ${(r.bytesPerConn / 1024).toFixed(1)} KB RSS per connection, ${Math.round(r.handshakesPerSec).toLocaleString("en-US")} handshakes/s`);
        ctx.log(`  fan-out of single events to all ${n.toLocaleString("en-US")} connections`);
        const f = await measureFanout(pool, server.publish, {
          clients: n,
          repeats: fanoutRepeats,
          events: fanoutEvents,
          window: 4,
          processes: { server: [server.pid], nats: [ctx.nats.pid!] },
        });
        fanRuns.set(kind, [...(fanRuns.get(kind) ?? []), f]);
        ctx.log(`  last client p50 ${(percentiles(f.lastUs).p50 / 1000).toFixed(1)} ms, ${Math.round(f.deliveriesPerSec).toLocaleString("en-US")} deliveries/s`);
      } finally {
        await pool.close();
        await server.stop();
      }
    }
  }
  const s = (kind: string, pick: (r: IdleRun) => number) => spread((runs.get(kind) ?? []).map(pick));
  const edgeKB = s("edge", (r) => r.bytesPerConn / 1024);
  const bareKB = s("bare", (r) => r.bytesPerConn / 1024);
  const fanLast = spread((fanRuns.get("edge") ?? []).map((r, i) => ratio(percentiles(r.lastUs).p50, percentiles(fanRuns.get("bare")![i]!.lastUs).p50)));
  return {
    id: "idle",
    title: `Idle connections: ${n.toLocaleString("en-US")} on one edge`,
    status: "ok",
    runs: plan.runs,
    method: `A fresh server process per run; 100 connections opened and closed first to warm it, then ${n} connections opened by ${plan.clientProcesses} client processes (64 handshakes at a time each). RSS (VmRSS) of the server before and ${SETTLE_MS / 1000} s after, ÷ N; no forced GC. Clients identify as the CLI (no presence entry). Open-file limit: soft ${limits.soft}, hard ${limits.hard}. Then ${fanoutRepeats} single events and ${fanoutEvents} steady events (4 outstanding) are fanned out to all N.`,
    columns: [
      { key: "kb", label: "RSS per connection", unit: "KB", digits: 1 },
      { key: "before", label: "RSS before", unit: "MiB", digits: 0 },
      { key: "after", label: "RSS after", unit: "MiB", digits: 0 },
      { key: "rate", label: "handshakes/s" },
      { key: "cpu", label: "CPU server", unit: "µs/handshake", digits: 0 },
      ...FANOUT_COLUMNS.map((c) => ({ ...c, key: `fan_${c.key}`, label: `fan-out: ${c.label}` })),
    ],
    rows: (["edge", "bare"] as const).map((kind, i) => ({
      label: systems[i]?.label ?? kind,
      cells: {
        kb: s(kind, (r) => r.bytesPerConn / 1024),
        before: s(kind, (r) => r.rssBeforeMiB),
        after: s(kind, (r) => r.rssAfterMiB),
        rate: s(kind, (r) => r.handshakesPerSec),
        cpu: s(kind, (r) => r.cpuPerHandshake),
        ...Object.fromEntries(Object.entries(usToMs(fanoutRows(systems, fanRuns, ""))[i]!.cells).map(([k, v]) => [`fan_${k}`, v])),
      },
    })),
    targets: [
      checkTarget("Idle connections", `≤ 15 KB RSS each at ${n.toLocaleString("en-US")}`, edgeKB.median, 15, "lower", `bare ws server: ${bareKB.median.toFixed(1)} KB`, "KB"),
      checkTarget(
        `Fan-out to ${n.toLocaleString("en-US")} (time to last client)`,
        "reported: ratio to a bare ws broadcast",
        fanLast.median,
        NaN,
        "lower",
        `just after the connections were opened; per-run ratios ${fanLast.runs.map((x) => x.toFixed(2)).join(", ")}`,
      ),
    ],
    charts: [
      {
        file: "idle-memory",
        title: `RSS per idle connection at ${n.toLocaleString("en-US")} (KB, median of runs)`,
        unit: "KB",
        categories: ["edge", "bare ws"],
        series: [{ name: "KB per connection", values: [edgeKB.median, bareKB.median] }],
      },
    ],
    raw: { limits, idle: Object.fromEntries(runs), fanout: Object.fromEntries(fanRuns) },
  };
}
