// Scenario 6: forwarded-call throughput at the highest load with 1 or 2 edges (clients split
// across them) and 1 or 2 session-manager replicas (one queue group), as ratios to 1 + 1.
import { availableParallelism } from "node:os";
import type { WorkerPool } from "../load/pool.js";
import { ratio, spread } from "../stats.js";
import type { EdgeProcess } from "../stack.js";
import { type BenchContext, delay } from "./context.js";
import { type ScenarioResult } from "./result.js";
import { type LoadRun, measureLoad } from "./throughput.js";

const CONFIGS = [
  { key: "1e1s", label: "1 edge, 1 session-manager", edges: 1, services: 1 },
  { key: "2e1s", label: "2 edges, 1 session-manager", edges: 2, services: 1 },
  { key: "1e2s", label: "1 edge, 2 session-managers", edges: 1, services: 2 },
  { key: "2e2s", label: "2 edges, 2 session-managers", edges: 2, services: 2 },
] as const;

export async function scaleOut(ctx: BenchContext, pool: WorkerPool): Promise<ScenarioResult> {
  const { plan, ours } = ctx;
  if (!ours) throw new Error("scale-out needs our stack");
  const inflight = Math.max(...plan.inflight);
  const runs = new Map<string, LoadRun[]>();
  const first = ours.edges[0]!;
  const second: EdgeProcess = ours.edges[1] ?? (await ours.addEdge());
  try {
    for (let run = 1; run <= plan.runs; run++) {
      // Two replicas first, then one: the second replica is started for each run and stopped halfway.
      const replica = ours.services.length < 2 ? await ours.addSessionManager() : ours.services[1]!;
      await delay(500); // its queue subscription is live once "ready" is logged; let the registry settle
      await ours.waitForMethod(plan.method);
      // Unrecorded load through both edges and both replicas, so no process is measured cold.
      ctx.log(`scale-out, run ${run}/${plan.runs}: warming both edges and both session-managers`);
      await measureLoad(
        pool,
        { target: ours.target(first), targets: pool.workers.map((_, i) => ours.target([first, second][i % 2])), method: plan.method, params: plan.params, processes: {} },
        plan.loadConnections,
        inflight,
        0,
        plan.loadWarmupMs * 2,
      );
      for (const config of [...CONFIGS].sort((a, b) => b.services - a.services)) {
        if (config.services === 1 && ours.services.includes(replica)) await ours.removeSessionManager(replica);
        const edges = config.edges === 2 ? [first, second] : [first];
        await ours.waitForMethod(plan.method);
        ctx.log(`scale-out, run ${run}/${plan.runs}: ${config.label}, ${inflight} in flight`);
        const r = await measureLoad(
          pool,
          {
            target: ours.target(first),
            targets: pool.workers.map((_, i) => ours.target(edges[i % edges.length])),
            method: plan.method,
            params: plan.params,
            processes: { server: edges.map((e) => e.pid), nats: [ctx.nats.pid!], service: ours.services.map((s) => s.pid) },
          },
          plan.loadConnections,
          inflight,
          plan.loadWarmupMs,
          plan.loadMs,
        );
        if (r.errors > 0) throw new Error(`${config.label}: ${r.errors} calls failed`);
        runs.set(config.key, [...(runs.get(config.key) ?? []), r]);
        ctx.log(`  ${Math.round(r.rate).toLocaleString("en-US")} calls/s`);
      }
    }
  } finally {
    await ours.removeEdge(second);
  }
  const base = runs.get("1e1s") ?? [];
  return {
    id: "scaleout",
    title: `Scale-out (forwarded calls, ${inflight} in flight)`,
    status: "ok",
    runs: plan.runs,
    method: `As the throughput scenario, with the client processes split across the edges (each client process talks to one edge) and the session-manager replicas sharing one NATS queue group. Everything shares the same ${availableParallelism()}-core machine, so a second process adds no CPU: the ratios show the cost of the extra hop or process, not the gain on separate machines.`,
    columns: [
      { key: "rate", label: "calls/s" },
      { key: "ratio", label: "× 1 edge + 1 service", digits: 2 },
      { key: "p99", label: "p99", unit: "µs" },
      { key: "cpu_server", label: "CPU edges", unit: "µs/call", digits: 1 },
      { key: "cpu_service", label: "CPU services", unit: "µs/call", digits: 1 },
    ],
    rows: CONFIGS.map((c) => {
      const list = runs.get(c.key) ?? [];
      return {
        label: c.label,
        cells: {
          rate: spread(list.map((r) => r.rate)),
          ratio: spread(list.map((r, i) => ratio(r.rate, base[i]?.rate ?? NaN))),
          p99: spread(list.map((r) => r.p99)),
          cpu_server: spread(list.map((r) => r.cpu.server!)),
          cpu_service: spread(list.map((r) => r.cpu.service!)),
        },
      };
    }),
    targets: [],
    charts: [
      {
        file: "scaleout",
        title: `Scale-out: calls/s at ${inflight} in flight (median of runs)`,
        unit: "calls/s",
        categories: CONFIGS.map((c) => `${c.edges} edge${c.edges > 1 ? "s" : ""} / ${c.services} SM`),
        series: [{ name: "calls/s", values: CONFIGS.map((c) => spread((runs.get(c.key) ?? []).map((r) => r.rate)).median) }],
      },
    ],
    raw: Object.fromEntries(runs),
  };
}
