// Scenario 2: pipelined calls, 64 and 256 in flight from several client processes: calls/s and
// CPU µs per call of every process involved.
import { type WorkerPool } from "../load/pool.js";
import { CpuWindow } from "../proc.js";
import { concatSamples, percentiles, ratio, spread } from "../stats.js";
import { type BenchContext, type CallSystem, callSystems, delay, storeReadNote } from "./context.js";
import { type ScenarioResult, checkTarget } from "./result.js";

export interface LoadRun {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  /** µs of CPU per call, per process group. */
  cpu: Record<string, number>;
}

/** One measurement: connect, pipelined calls with `inflight` outstanding, CPU over the window, disconnect. */
export async function measureLoad(
  pool: WorkerPool,
  system: Pick<CallSystem, "target" | "method" | "params" | "processes"> & { targets?: CallSystem["target"][] },
  connections: number,
  inflight: number,
  warmupMs: number,
  durationMs: number,
): Promise<LoadRun> {
  const isNats = system.target.kind === "nats";
  const opened = await pool.connect(system.targets ?? system.target, isNats ? pool.workers.length : connections, 16);
  if (opened.failed > 0) throw new Error(`cannot connect: ${opened.firstError}`);
  try {
    const cpu = new CpuWindow({ client: pool.pids, ...system.processes });
    const results = pool.load(system.method, system.params, inflight, warmupMs, durationMs);
    await delay(warmupMs);
    cpu.start();
    await delay(durationMs);
    const used = cpu.stop();
    const done = await results;
    const calls = done.reduce((a, r) => a + r.calls, 0);
    const errors = done.reduce((a, r) => a + r.errors, 0);
    const p = percentiles(concatSamples(done.map((r) => r.latencies)));
    return {
      rate: (calls * 1000) / durationMs,
      p50: p.p50,
      p99: p.p99,
      errors,
      cpu: Object.fromEntries(Object.entries(used).map(([g, us]) => [g, us / calls])),
    };
  } finally {
    await pool.close();
  }
}

export async function callThroughput(ctx: BenchContext, pool: WorkerPool): Promise<ScenarioResult> {
  const { plan } = ctx;
  const systems = callSystems(ctx, plan.method, plan.params, { storeRead: true });
  const runs = new Map<string, LoadRun[]>();
  for (let run = 1; run <= plan.runs; run++) {
    for (const inflight of plan.inflight) {
      for (const system of systems) {
        ctx.log(`call throughput, run ${run}/${plan.runs}: ${system.label}, ${inflight} in flight`);
        const r = await measureLoad(pool, system, plan.loadConnections, inflight, plan.loadWarmupMs, plan.loadMs);
        if (r.errors > 0) throw new Error(`${system.label}: ${r.errors} calls failed`);
        const key = `${system.key}@${inflight}`;
        runs.set(key, [...(runs.get(key) ?? []), r]);
        const cpu = Object.entries(r.cpu).map(([g, us]) => `${g} ${us.toFixed(1)}`).join(", ");
        ctx.log(`  ${Math.round(r.rate).toLocaleString("en-US")} calls/s, p99 ${r.p99.toFixed(0)} µs; CPU µs/call: ${cpu}`);
      }
    }
  }

  const cpuGroups = ["client", "server", "nats", "service"];
  const rows = plan.inflight.flatMap((inflight) =>
    systems.map((s) => {
      const list = runs.get(`${s.key}@${inflight}`) ?? [];
      return {
        label: `${s.label}, ${inflight} in flight`,
        cells: {
          rate: spread(list.map((r) => r.rate)),
          p50: spread(list.map((r) => r.p50)),
          p99: spread(list.map((r) => r.p99)),
          ...Object.fromEntries(cpuGroups.map((g) => [`cpu_${g}`, list[0]?.cpu[g] === undefined ? undefined : spread(list.map((r) => r.cpu[g]!))])),
        },
      };
    }),
  );
  const targets = [];
  const ours = systems[0]!;
  if (ours.key === "edge" || ours.key === "target") {
    const top = Math.max(...plan.inflight);
    const mine = runs.get(`${ours.key}@${top}`)!;
    const composite = runs.get(`composite@${top}`)!;
    const perRun = mine.map((r, i) => ratio(r.rate, composite[i]!.rate));
    targets.push(
      checkTarget(
        "Forwarded call throughput",
        `≥ 80% of minimal composite at ${top} in flight`,
        spread(perRun).median,
        0.8,
        "higher",
        `${Math.round(spread(mine.map((r) => r.rate)).median)} vs ${Math.round(spread(composite.map((r) => r.rate)).median)} calls/s; per-run ratios ${perRun.map((x) => x.toFixed(2)).join(", ")}`,
      ),
    );
  }
  return {
    id: "throughput",
    title: "Call throughput (pipelined)",
    status: "ok",
    runs: plan.runs,
    method: `${plan.clientProcesses} client processes, ${plan.loadConnections} WebSocket connections in all (NATS baselines: one connection per client process), calls kept in flight evenly over them; ${plan.loadWarmupMs} ms warm-up, then ${plan.loadMs} ms measured. CPU is µs per call from /proc over the measured window; "server" is the edge, the composite's ws server or the echo server, "service" the session-manager or the bare replier.`,
    note: storeReadNote(plan.method),
    columns: [
      { key: "rate", label: "calls/s" },
      { key: "p50", label: "p50", unit: "µs" },
      { key: "p99", label: "p99", unit: "µs" },
      ...cpuGroups.map((g) => ({ key: `cpu_${g}`, label: `CPU ${g}`, unit: "µs/call", digits: 1 })),
    ],
    rows,
    targets,
    charts: [
      {
        file: "throughput",
        title: "Pipelined calls per second (median of runs)",
        unit: "calls/s",
        categories: systems.map((s) => s.key),
        series: plan.inflight.map((n) => ({ name: `${n} in flight`, values: systems.map((s) => spread((runs.get(`${s.key}@${n}`) ?? []).map((r) => r.rate)).median) })),
      },
      {
        file: "throughput-cpu",
        title: "CPU per call at the highest load (µs, median of runs)",
        unit: "µs/call",
        categories: systems.map((s) => s.key),
        series: cpuGroups.map((g) => ({
          name: g,
          values: systems.map((s) => spread((runs.get(`${s.key}@${Math.max(...plan.inflight)}`) ?? []).map((r) => r.cpu[g] ?? NaN)).median),
        })),
      },
    ],
    raw: Object.fromEntries(runs),
  };
}
