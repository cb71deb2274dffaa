// Scenario 3 (issue's 7): methods the edge answers itself, one call in flight per connection
// with 1, 8 and 64 connections, against a raw ws echo with the same connections.
import type { WorkerPool } from "../load/pool.js";
import { ratio, spread } from "../stats.js";
import { type BenchContext, type CallSystem, callSystems } from "./context.js";
import { type ScenarioResult, type TargetCheck, checkTarget } from "./result.js";
import { type LoadRun, measureLoad } from "./throughput.js";

export async function edgeLocalCalls(ctx: BenchContext, pool: WorkerPool): Promise<ScenarioResult> {
  const { plan } = ctx;
  const ours = callSystems(ctx, plan.method, {})[0]!;
  const echo = callSystems(ctx, "echo", {}).find((s) => s.key === "echo")!;
  const systems: (CallSystem & { method: string })[] = [];
  if (ours.key === "edge" || ours.key === "target") {
    for (const method of plan.edgeLocalMethods) systems.push({ ...ours, key: method, label: method, method, params: {} });
  }
  systems.push({ ...echo, label: "raw ws echo" });
  const runs = new Map<string, LoadRun[]>();
  for (let run = 1; run <= plan.runs; run++) {
    for (const conns of plan.edgeLocalConnections) {
      for (const system of systems) {
        ctx.log(`edge-local calls, run ${run}/${plan.runs}: ${system.label}, ${conns} connection(s)`);
        const r = await measureLoad(pool, system, conns, conns, plan.edgeLocalWarmupMs, plan.edgeLocalMs);
        if (r.errors > 0) throw new Error(`${system.label}: ${r.errors} calls failed`);
        const key = `${system.key}@${conns}`;
        runs.set(key, [...(runs.get(key) ?? []), r]);
        ctx.log(`  ${Math.round(r.rate).toLocaleString("en-US")} calls/s, p50 ${r.p50.toFixed(0)} µs, p99 ${r.p99.toFixed(0)} µs`);
      }
    }
  }
  const rows = plan.edgeLocalConnections.flatMap((conns) =>
    systems.map((s) => {
      const list = runs.get(`${s.key}@${conns}`) ?? [];
      const echoRuns = runs.get(`echo@${conns}`) ?? [];
      return {
        label: `${s.label}, ${conns} conn`,
        cells: {
          rate: spread(list.map((r) => r.rate)),
          p50: spread(list.map((r) => r.p50)),
          p99: spread(list.map((r) => r.p99)),
          vsEcho: s.key === "echo" ? undefined : spread(list.map((r, i) => ratio(r.p50, echoRuns[i]?.p50 ?? NaN))),
          cpu_server: list[0]?.cpu.server === undefined ? undefined : spread(list.map((r) => r.cpu.server!)),
        },
      };
    }),
  );
  const targets: TargetCheck[] = [];
  if (systems.length > 1) {
    // The target holds when every method at every connection count is within 1.5× of the echo.
    let worst = { ratio: -Infinity, where: "" };
    for (const s of systems) {
      if (s.key === "echo") continue;
      for (const conns of plan.edgeLocalConnections) {
        const mine = runs.get(`${s.key}@${conns}`) ?? [];
        const echoRuns = runs.get(`echo@${conns}`) ?? [];
        const r = spread(mine.map((x, i) => ratio(x.p50, echoRuns[i]?.p50 ?? NaN))).median;
        if (r > worst.ratio) worst = { ratio: r, where: `${s.label} with ${conns} connection(s)` };
      }
    }
    targets.push(checkTarget("Edge-local calls", "median ≤ 1.5× raw ws echo", worst.ratio, 1.5, "lower", `worst case: ${worst.where}`));
  }
  return {
    id: "edge-local",
    title: "Edge-local calls (answered by the edge without NATS)",
    status: "ok",
    runs: plan.runs,
    method: `One call in flight per connection (each connection waits for its answer before the next call), connections split over ${plan.clientProcesses} client processes; ${plan.edgeLocalWarmupMs} ms warm-up, ${plan.edgeLocalMs} ms measured. "× echo" is p50 ÷ the echo's p50 with the same connections in the same run.`,
    columns: [
      { key: "rate", label: "calls/s" },
      { key: "p50", label: "p50", unit: "µs" },
      { key: "p99", label: "p99", unit: "µs" },
      { key: "vsEcho", label: "p50 × echo", digits: 2 },
      { key: "cpu_server", label: "CPU server", unit: "µs/call", digits: 1 },
    ],
    rows,
    targets,
    charts: [
      {
        file: "edge-local",
        title: "Edge-local calls per second (median of runs)",
        unit: "calls/s",
        categories: systems.map((s) => s.key),
        series: plan.edgeLocalConnections.map((c) => ({
          name: `${c} conn`,
          values: systems.map((s) => spread((runs.get(`${s.key}@${c}`) ?? []).map((r) => r.rate)).median),
        })),
      },
    ],
    raw: Object.fromEntries(runs),
  };
}
