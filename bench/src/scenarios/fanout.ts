// Scenario 4 (issue's 4): one NATS publish reaching every client of one edge, against a bare ws
// server that frames the event once and sends that text to each socket.
import type { NatsConnection } from "nats";
import type { WorkerPool } from "../load/pool.js";
import { share } from "../load/pool.js";
import { CpuWindow, type ProcessGroups } from "../proc.js";
import { type Spread, percentiles, ratio, spread } from "../stats.js";
import type { Target } from "../load/messages.js";
import { startBare } from "../stack.js";
import { type BenchContext, delay } from "./context.js";
import { type ScenarioResult, checkTarget } from "./result.js";

const EVENT_TIMEOUT_MS = 20_000;
let nextEvent = 1;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Waits, per bench event, for every active worker to report that all its sockets have it. */
class EventTracker {
  #active: number;
  readonly #waiting = new Map<number, { done: number; firstUs: number; lastUs: number; resolve: (v: { firstUs: number; lastUs: number }) => void; timer: NodeJS.Timeout }>();

  constructor(pool: WorkerPool, clients: number) {
    this.#active = 0;
    pool.workers.forEach((worker, i) => {
      if (share(clients, pool.workers.length, i) === 0) return;
      this.#active++;
      worker.onEventDone = (m) => {
        const entry = this.#waiting.get(m.n);
        if (!entry) return;
        entry.done++;
        entry.firstUs = Math.min(entry.firstUs, m.firstUs);
        entry.lastUs = Math.max(entry.lastUs, m.lastUs);
        if (entry.done === this.#active) {
          clearTimeout(entry.timer);
          this.#waiting.delete(m.n);
          entry.resolve({ firstUs: entry.firstUs, lastUs: entry.lastUs });
        }
      };
    });
  }

  expect(n: number): Promise<{ firstUs: number; lastUs: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(n);
        reject(new Error(`event ${n} did not reach every client within ${EVENT_TIMEOUT_MS / 1000} s (a client dropped as slow?)`));
      }, EVENT_TIMEOUT_MS);
      this.#waiting.set(n, { done: 0, firstUs: Infinity, lastUs: -Infinity, resolve, timer });
    });
  }
}

export interface FanoutRun {
  /** Per single event: µs from publish to the first / last client. */
  firstUs: number[];
  lastUs: number[];
  /** Deliveries per second with a steady publisher (at most `window` events outstanding). */
  deliveriesPerSec: number;
  /** µs of CPU per delivery, per process group, over the steady phase. */
  cpu: Record<string, number>;
}

export interface FanoutOptions {
  clients: number;
  repeats: number;
  events: number;
  window: number;
  processes: ProcessGroups;
}

/** Listens on the pool's (already connected) sockets, then single events, then a steady stream. */
export async function measureFanout(pool: WorkerPool, publish: (n: number) => void, options: FanoutOptions): Promise<FanoutRun> {
  await Promise.all(pool.workers.map((w) => w.listen()));
  const tracker = new EventTracker(pool, options.clients);
  const single = async () => {
    const n = nextEvent++;
    const arrived = tracker.expect(n);
    const t0 = nowUs();
    publish(n);
    const { firstUs, lastUs } = await arrived;
    return { first: firstUs - t0, last: lastUs - t0 };
  };
  for (let i = 0; i < 5; i++) await single(); // warm-up
  const firstUs: number[] = [];
  const lastUs: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    const r = await single();
    firstUs.push(r.first);
    lastUs.push(r.last);
    await delay(10);
  }
  const cpu = new CpuWindow({ client: pool.pids, ...options.processes });
  cpu.start();
  const started = nowUs();
  await new Promise<void>((resolve, reject) => {
    let published = 0;
    let completed = 0;
    const pump = () => {
      while (published < options.events && published - completed < options.window) {
        published++;
        const n = nextEvent++;
        tracker.expect(n).then(() => {
          if (++completed === options.events) resolve();
          else pump();
        }, reject);
        publish(n);
      }
    };
    pump();
  });
  const elapsedUs = nowUs() - started;
  const used = cpu.stop();
  const deliveries = options.clients * options.events;
  return {
    firstUs,
    lastUs,
    deliveriesPerSec: deliveries / (elapsedUs / 1e6),
    cpu: Object.fromEntries(Object.entries(used).map(([g, us]) => [g, us / deliveries])),
  };
}

/** The publish function for a subject: the payload marks the event with its number. */
export function publisher(nc: NatsConnection, subject: string): (n: number) => void {
  const encoder = new TextEncoder();
  return (n) => nc.publish(subject, encoder.encode(`{"benchN":${n},"text":"bench fan-out event"}`));
}

export interface FanoutSystem {
  key: string;
  label: string;
  target: Target;
  publish: (n: number) => void;
  processes: ProcessGroups;
}

/** Rows and targets of fan-out runs, shared with the idle scenario's 10,000-client fan-out. */
export function fanoutRows(systems: FanoutSystem[], runs: Map<string, FanoutRun[]>, suffix: string) {
  const summary = (list: FanoutRun[], pick: (r: FanoutRun) => number[]) => spread(list.map((r) => percentiles(pick(r)).p50));
  return systems.map((s) => {
    const list = runs.get(s.key) ?? [];
    const cells: Record<string, Spread | undefined> = {
      first: summary(list, (r) => r.firstUs),
      last: summary(list, (r) => r.lastUs),
      lastP99: spread(list.map((r) => percentiles(r.lastUs).p99)),
      rate: spread(list.map((r) => r.deliveriesPerSec)),
      cpu_server: list[0]?.cpu.server === undefined ? undefined : spread(list.map((r) => r.cpu.server!)),
      cpu_client: spread(list.map((r) => r.cpu.client!)),
    };
    return { label: `${s.label}${suffix}`, cells };
  });
}

export const FANOUT_COLUMNS = [
  { key: "first", label: "first client p50", unit: "ms", digits: 2 },
  { key: "last", label: "last client p50", unit: "ms", digits: 2 },
  { key: "lastP99", label: "last client p99", unit: "ms", digits: 2 },
  { key: "rate", label: "deliveries/s (steady)" },
  { key: "cpu_server", label: "CPU server", unit: "µs/delivery", digits: 1 },
  { key: "cpu_client", label: "CPU clients", unit: "µs/delivery", digits: 1 },
];

/** Converts the µs timings of fan-out cells to ms for the table. */
export function usToMs(rows: ReturnType<typeof fanoutRows>): ReturnType<typeof fanoutRows> {
  const toMs = (s: Spread | undefined): Spread | undefined => s && { median: s.median / 1000, min: s.min / 1000, max: s.max / 1000, runs: s.runs.map((v) => v / 1000) };
  return rows.map((r) => ({ ...r, cells: { ...r.cells, first: toMs(r.cells.first), last: toMs(r.cells.last), lastP99: toMs(r.cells.lastP99) } }));
}

export async function fanout(ctx: BenchContext, pool: WorkerPool, nc: NatsConnection): Promise<ScenarioResult> {
  const { plan, ours, baselines } = ctx;
  if (!ours) throw new Error("fan-out needs our stack");
  const bare = await startBare("broadcast", baselines.broadcastArgs());
  const natsPid = ctx.nats.pid!;
  const systems: FanoutSystem[] = [
    {
      key: "edge",
      label: "our edge",
      target: ours.target(),
      publish: publisher(nc, ours.names.event("bench")),
      processes: { server: [ours.edges[0]!.pid], nats: [natsPid] },
    },
    {
      key: "bare",
      label: "bare ws broadcast",
      target: { kind: "ws", url: bare.url, handshake: false, identity: { id: "cli", mode: "cli" } },
      publish: publisher(nc, baselines.eventSubject),
      processes: { server: [bare.pid], nats: [natsPid] },
    },
  ];
  const runs = new Map<string, FanoutRun[]>();
  try {
    for (let run = 1; run <= plan.runs; run++) {
      for (const system of systems) {
        ctx.log(`fan-out, run ${run}/${plan.runs}: ${system.label}, ${plan.fanoutClients} clients`);
        const opened = await pool.connect(system.target, plan.fanoutClients, 32);
        if (opened.failed > 0) throw new Error(`${system.label}: ${opened.failed} connections failed: ${opened.firstError}`);
        try {
          const r = await measureFanout(pool, system.publish, {
            clients: plan.fanoutClients,
            repeats: plan.fanoutRepeats,
            events: plan.fanoutEvents,
            window: plan.fanoutWindow,
            processes: system.processes,
          });
          runs.set(system.key, [...(runs.get(system.key) ?? []), r]);
          ctx.log(`  last client p50 ${(percentiles(r.lastUs).p50 / 1000).toFixed(2)} ms, ${Math.round(r.deliveriesPerSec).toLocaleString("en-US")} deliveries/s`);
        } finally {
          await pool.close();
        }
      }
    }
  } finally {
    await bare.stop();
  }
  const edgeRuns = runs.get("edge")!;
  const bareRuns = runs.get("bare")!;
  const lastRatio = spread(edgeRuns.map((r, i) => ratio(percentiles(r.lastUs).p50, percentiles(bareRuns[i]!.lastUs).p50)));
  const rateRatio = spread(edgeRuns.map((r, i) => ratio(bareRuns[i]!.deliveriesPerSec, r.deliveriesPerSec)));
  return {
    id: "fanout",
    title: `Fan-out to ${plan.fanoutClients.toLocaleString("en-US")} clients on one edge`,
    status: "ok",
    runs: plan.runs,
    method: `${plan.fanoutClients} handshaken clients split over ${plan.clientProcesses} client processes. Single events: ${plan.fanoutRepeats} events one at a time after 5 warm-up events, time from the NATS publish to the first and the last client (p50 over the events; clocks are the shared monotonic clock). Steady: ${plan.fanoutEvents} events published with at most ${plan.fanoutWindow} not yet at every client. CPU is µs per delivered event per process group over the steady phase.`,
    columns: FANOUT_COLUMNS,
    rows: usToMs(fanoutRows(systems, runs, "")),
    targets: [
      checkTarget("Fan-out (time to last client)", "≤ 1.2× bare ws broadcast", lastRatio.median, 1.2, "lower", `per-run ratios ${lastRatio.runs.map((x) => x.toFixed(2)).join(", ")}`),
      checkTarget("Fan-out (steady deliveries/s)", "bare ÷ edge ≤ 1.2", rateRatio.median, 1.2, "lower", `per-run ratios ${rateRatio.runs.map((x) => x.toFixed(2)).join(", ")}`),
    ],
    charts: [
      {
        file: "fanout",
        title: `Steady fan-out to ${plan.fanoutClients} clients (deliveries/s, median of runs)`,
        unit: "deliveries/s",
        categories: systems.map((s) => s.key),
        series: [{ name: "deliveries/s", values: systems.map((s) => spread((runs.get(s.key) ?? []).map((r) => r.deliveriesPerSec)).median) }],
      },
    ],
    raw: Object.fromEntries(runs),
  };
}
