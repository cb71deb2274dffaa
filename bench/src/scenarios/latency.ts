// Scenario 1: sequential calls, one in flight, through each system; p50/p99/p999 per run.
import { LoadWorker } from "../load/pool.js";
import { CpuWindow } from "../proc.js";
import { percentiles, ratio, spread } from "../stats.js";
import { type BenchContext, callSystems, storeReadNote } from "./context.js";
import { type ScenarioResult, checkTarget } from "./result.js";

export async function callLatency(ctx: BenchContext): Promise<ScenarioResult> {
  const { plan } = ctx;
  const systems = callSystems(ctx, plan.method, plan.params, { storeRead: true });
  const perRun = new Map<string, { p50: number[]; p99: number[]; p999: number[]; rate: number[]; cpu: Record<string, number[]> }>();
  for (const s of systems) perRun.set(s.key, { p50: [], p99: [], p999: [], rate: [], cpu: {} });
  const worker = new LoadWorker();
  try {
    for (let run = 1; run <= plan.runs; run++) {
      for (const system of systems) {
        ctx.log(`call latency, run ${run}/${plan.runs}: ${system.label}, ${plan.seqCalls} sequential calls`);
        const opened = await worker.connect(system.target, 1, 1);
        if (opened.opened !== 1) throw new Error(`${system.label}: cannot connect: ${opened.firstError}`);
        const cpu = new CpuWindow({ client: [worker.pid], ...system.processes });
        cpu.start();
        const started = performance.now();
        const result = await worker.seq(system.method, system.params, plan.seqCalls, plan.seqWarmup);
        const elapsedMs = performance.now() - started;
        const used = cpu.stop();
        await worker.close();
        if (result.errors > 0) throw new Error(`${system.label}: ${result.errors} calls failed`);
        const p = percentiles(result.latencies);
        const entry = perRun.get(system.key)!;
        entry.p50.push(p.p50);
        entry.p99.push(p.p99);
        entry.p999.push(p.p999);
        entry.rate.push(((plan.seqCalls + plan.seqWarmup) * 1000) / elapsedMs);
        for (const [group, us] of Object.entries(used)) (entry.cpu[group] ??= []).push(us / (plan.seqCalls + plan.seqWarmup));
        ctx.log(`  p50 ${p.p50.toFixed(0)} µs, p99 ${p.p99.toFixed(0)} µs, p999 ${p.p999.toFixed(0)} µs`);
      }
    }
  } finally {
    await worker.stop();
  }

  const rows = systems.map((s) => {
    const e = perRun.get(s.key)!;
    return {
      label: s.label,
      cells: {
        p50: spread(e.p50),
        p99: spread(e.p99),
        p999: spread(e.p999),
        rate: spread(e.rate),
        ...Object.fromEntries(Object.entries(e.cpu).map(([g, v]) => [`cpu_${g}`, spread(v)])),
      },
    };
  });
  const ours = systems[0]!.key === "edge" || systems[0]!.key === "target" ? systems[0]! : undefined;
  const targets = [];
  if (ours) {
    const mine = perRun.get(ours.key)!;
    const composite = perRun.get("composite")!;
    // The ratio of medians of the per-run values: each run's systems ran back to back.
    const perRunRatios = mine.p50.map((v, i) => ratio(v, composite.p50[i]!));
    const r = spread(perRunRatios);
    targets.push(
      checkTarget(
        "Forwarded call latency",
        "sequential p50 ≤ 1.2× minimal composite",
        r.median,
        1.2,
        "lower",
        `p50 ${spread(mine.p50).median.toFixed(0)} µs vs composite ${spread(composite.p50).median.toFixed(0)} µs; per-run ratios ${perRunRatios.map((x) => x.toFixed(2)).join(", ")}`,
      ),
    );
  }
  const cpuGroups = ["client", "server", "nats", "service"];
  return {
    id: "latency",
    title: "Call latency (sequential, one call in flight)",
    status: "ok",
    runs: plan.runs,
    method: `${plan.seqCalls} sequential calls per run after ${plan.seqWarmup} warm-up calls, one connection, one client process. Latency is measured in the client (µs); CPU is µs per call from /proc over the whole sequence, warm-up included.`,
    note: storeReadNote(plan.method),
    columns: [
      { key: "p50", label: "p50", unit: "µs" },
      { key: "p99", label: "p99", unit: "µs" },
      { key: "p999", label: "p99.9", unit: "µs" },
      { key: "rate", label: "calls/s" },
      ...cpuGroups.map((g) => ({ key: `cpu_${g}`, label: `CPU ${g}`, unit: "µs/call" })),
    ],
    rows,
    targets,
    charts: [
      {
        file: "latency",
        title: "Sequential call latency (µs, median of runs; log scale)",
        unit: "µs",
        categories: systems.map((s) => s.key),
        series: (["p50", "p99", "p999"] as const).map((q) => ({ name: q, values: systems.map((s) => spread(perRun.get(s.key)![q]).median) })),
        log: true,
      },
    ],
    raw: Object.fromEntries(perRun),
  };
}
