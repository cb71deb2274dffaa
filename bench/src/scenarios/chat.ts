// Scenario: concurrent `chat.send` runs streamed by the session-manager's echo provider to clients
// of one edge; every delta accounted for, time from send to `final`, and the same event stream
// replayed through a bare ws broadcast server as the same-run baseline.
import { connect, type NatsConnection } from "nats";
import type { ChatResult, Target } from "../load/messages.js";
import { type WorkerPool, share } from "../load/pool.js";
import { CpuWindow, type ProcessGroups } from "../proc.js";
import { concatSamples, percentiles, ratio, spread } from "../stats.js";
import { startBare } from "../stack.js";
import { type ChatAccount, accountChat, deliveryLags } from "./chat-accounting.js";
import { EventTap, type Published, type StreamEvent, type TappedEvent, replay } from "./chat-tap.js";
import type { BenchContext } from "./context.js";
import { type ScenarioResult, checkTarget } from "./result.js";

const WORDS = "the gateway streams every reply to each client as cumulative deltas while the agent writes its answer one word at a time".split(" ");

/** A message of `n` everyday words; the echo provider answers `echo: <message>` word by word. */
export function chatMessage(n: number): string {
  return Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length]).join(" ");
}

export interface ChatRun {
  published: Published;
  account: ChatAccount;
  failures: number;
  failureSamples: string[];
  /** From the first event on the bus to the last client having the last final. */
  windowMs: number;
  deltasPerSec: number;
  eventsPerSec: number;
  /** Our stack only: ms from `chat.send` to its ack, and to the run's `final` on the sending connection. */
  ackMs?: { p50: number; p99: number };
  finalMs?: { p50: number; p99: number };
  /** ms from the tap seeing a chat event on the bus to a client having it, over every delivery. */
  lagMs: { p50: number; p99: number; count: number };
  /** µs of CPU per published delta, per process group, from the first send (or replayed event) to the last final. */
  cpu: Record<string, number>;
}

interface ChatSystem {
  key: "edge" | "bare";
  label: string;
  target: Target;
  subjectFor: (event: StreamEvent) => string;
  processes: ProcessGroups;
}

interface BatchOptions {
  batch: string;
  runs: number;
  /** Send the runs with `chat.send`, or replay recorded events on the system's subjects. */
  source: { send: string } | { replay: readonly TappedEvent[] };
  label: string;
}

const ms = (us: number) => us / 1000;

export async function chatStreaming(ctx: BenchContext, pool: WorkerPool, publisherNc: NatsConnection): Promise<ScenarioResult> {
  const { plan, ours, baselines } = ctx;
  if (!ours) throw new Error("chat streaming needs our stack");
  const message = chatMessage(plan.chatWords);
  const finalText = `echo: ${message}`;
  const floorMs = plan.chatWords * plan.chatWordDelayMs;
  const natsPid = ctx.nats.pid!;
  const tapNc = await connect({ servers: ctx.nats.url, name: "bench-chat-tap" });
  const bare = await startBare("broadcast", baselines.broadcastArgs());
  const systems: ChatSystem[] = [
    {
      key: "edge",
      label: `our edge + session-manager (${plan.chatRuns} runs)`,
      target: ours.target(),
      subjectFor: (event) => ours.names.event(event),
      processes: { server: [ours.edges[0]!.pid], nats: [natsPid], service: ours.services.map((s) => s.pid) },
    },
    {
      key: "bare",
      label: "bare ws broadcast (the same events replayed)",
      target: { kind: "ws", url: bare.url, handshake: false, identity: { id: "cli", mode: "cli" } },
      subjectFor: (event) => `${baselines.eventPrefix}.${event}`,
      processes: { server: [bare.pid], nats: [natsPid] },
    },
  ];
  const runs = new Map<string, ChatRun[]>();
  const losses: string[] = [];
  let batchNo = 0;

  /** One batch through one system: listen on every connection, start the runs (or the replay), wait for every final everywhere. */
  const stream = async (system: ChatSystem, options: BatchOptions): Promise<{ run: ChatRun; tap: EventTap }> => {
    const tap = new EventTap(tapNc, system.subjectFor, options.batch);
    await tapNc.flush();
    const connections = plan.chatConnections;
    await Promise.all(pool.workers.map((w) => w.chatListen(options.batch, options.runs, finalText)));
    const cpu = new CpuWindow({ client: pool.pids, ...system.processes });
    const started = Date.now();
    let acked = 0;
    const progress = setInterval(() => {
      void Promise.all(pool.workers.map((w) => w.chatProgress())).then(
        (all) => {
          const p = tap.published;
          const deltas = all.reduce((a, x) => a + x.deltas, 0);
          const finals = all.reduce((a, x) => a + x.finals, 0);
          const head = "send" in options.source ? `${acked}/${options.runs} runs acked` : `${tap.events.length}/${options.source.replay.length} events replayed`;
          ctx.log(
            `  ${((Date.now() - started) / 1000).toFixed(1)} s: ${head}, ${p.terminals}/${options.runs} finals published; deltas delivered ${deltas.toLocaleString("en-US")} of ${(p.deltas * connections).toLocaleString("en-US")} so far (${p.deltas.toLocaleString("en-US")} published × ${connections} connections); finals delivered ${finals.toLocaleString("en-US")}/${(options.runs * connections).toLocaleString("en-US")}`,
          );
        },
        () => undefined,
      );
    }, 1_000);
    cpu.start();
    let results: ChatResult[];
    try {
      const waits = Promise.all(pool.workers.map((w) => w.chatWait()));
      waits.catch(() => undefined); // awaited below; a failed send must not leave it unhandled
      if ("send" in options.source) {
        const text = options.source.send;
        await Promise.all(
          pool.workers.map((w, i) =>
            w.chatSend(options.batch, i, share(options.runs, pool.workers.length, i), text).then(() => (acked += share(options.runs, pool.workers.length, i))),
          ),
        );
      } else {
        await replay(publisherNc, options.source.replay, system.subjectFor);
      }
      results = await waits;
    } finally {
      clearInterval(progress);
    }
    const used = cpu.stop();
    await tapNc.flush();
    tap.stop();
    const published = tap.published;
    const account = accountChat(tap.runs, results, connections, options.runs);
    const doneUs = Math.max(...results.map((r) => r.doneUs));
    const windowMs = ms(doneUs - (tap.events[0]?.atUs ?? doneUs));
    const lags = percentiles(deliveryLags(tap.chatAt, results.map((r) => r.arrivals)));
    const finals = percentiles(concatSamples(results.map((r) => r.finalUs)));
    const acks = percentiles(concatSamples(results.map((r) => r.ackUs)));
    const run: ChatRun = {
      published,
      account,
      failures: results.reduce((a, r) => a + r.failures, 0),
      failureSamples: results.flatMap((r) => r.failureSamples).slice(0, 10),
      windowMs,
      deltasPerSec: account.delivered.deltas / (windowMs / 1000),
      eventsPerSec: (account.delivered.deltas + account.delivered.agents + account.delivered.finals) / (windowMs / 1000),
      ...("send" in options.source ? { ackMs: { p50: ms(acks.p50), p99: ms(acks.p99) }, finalMs: { p50: ms(finals.p50), p99: ms(finals.p99) } } : {}),
      lagMs: { p50: ms(lags.p50), p99: ms(lags.p99), count: lags.count },
      cpu: Object.fromEntries(Object.entries(used).map(([g, us]) => [g, us / published.deltas])),
    };
    const e = account.expected;
    const d = account.delivered;
    ctx.log(
      `  ${options.label}: deltas ${d.deltas.toLocaleString("en-US")}/${e.deltas.toLocaleString("en-US")}, agent events ${d.agents.toLocaleString("en-US")}/${e.agents.toLocaleString("en-US")}, finals ${d.finals}/${e.finals} delivered/expected; ${Math.round(run.deltasPerSec).toLocaleString("en-US")} deltas/s` +
        (run.finalMs ? `; send → final p50 ${run.finalMs.p50.toFixed(0)} ms, p99 ${run.finalMs.p99.toFixed(0)} ms (pacing alone ${floorMs} ms)` : "") +
        `; chat event lag p50 ${run.lagMs.p50.toFixed(1)} ms, p99 ${run.lagMs.p99.toFixed(1)} ms`,
    );
    if (account.mismatches.length > 0 || run.failures > 0) {
      const what = [...account.mismatches.slice(0, 5), ...run.failureSamples.slice(0, 5)].join("; ");
      const loss = `${system.label}, ${options.label}: ${account.mismatches.length} count mismatch(es), ${run.failures} failed run(s): ${what}`;
      losses.push(loss);
      ctx.log(`  LOST OR FAILED CHAT EVENTS: ${loss}`);
    }
    return { run, tap };
  };

  try {
    for (let r = 1; r <= plan.runs; r++) {
      // Our stack first, its events recorded by the tap; then the bare broadcast replaying them.
      const recorded = new Map<string, { batch: string; runs: number; events: readonly TappedEvent[] }>();
      for (const system of systems) {
        const opened = await pool.connect(system.target, plan.chatConnections, 16);
        if (opened.failed > 0) throw new Error(`${system.label}: ${opened.failed} connections failed: ${opened.firstError}`);
        try {
          for (const phase of ["warm-up", "measured"] as const) {
            const runCount = phase === "warm-up" ? plan.chatWarmupRuns : plan.chatRuns;
            ctx.log(
              phase === "warm-up"
                ? `chat streaming, run ${r}/${plan.runs}: ${system.label}, warm-up with ${runCount} runs`
                : `chat streaming, run ${r}/${plan.runs}: ${system.label}, ${runCount} concurrent runs over ${plan.chatConnections} connections in ${pool.workers.length} client processes`,
            );
            let result: { run: ChatRun; tap: EventTap };
            if (system.key === "edge") {
              const batch = `chat${Date.now().toString(36)}${(batchNo++).toString(36)}`;
              result = await stream(system, { batch, runs: runCount, source: { send: message }, label: phase });
              recorded.set(phase, { batch, runs: result.tap.published.terminals, events: result.tap.events });
            } else {
              const { batch, runs: replayed, events } = recorded.get(phase)!;
              result = await stream(system, { batch, runs: replayed, source: { replay: events }, label: phase });
            }
            if (phase === "measured") runs.set(system.key, [...(runs.get(system.key) ?? []), result.run]);
          }
        } finally {
          await pool.close();
        }
      }
    }
  } finally {
    await Promise.allSettled([bare.stop(), tapNc.close()]);
  }

  const edgeRuns = runs.get("edge") ?? [];
  const bareRuns = runs.get("bare") ?? [];
  const lagRatio = spread(edgeRuns.map((x, i) => ratio(x.lagMs.p50, bareRuns[i]?.lagMs.p50 ?? NaN)));
  const deliveredRatio = Math.min(...[...edgeRuns, ...bareRuns].map((x) => x.account.ratio));
  const cpuGroups = ["server", "nats", "service", "client"];
  const rows = systems.map((s) => {
    const list = runs.get(s.key) ?? [];
    const pick = (f: (x: ChatRun) => number | undefined) => (list.some((x) => f(x) !== undefined) ? spread(list.map((x) => f(x) ?? NaN)) : undefined);
    return {
      label: s.label,
      cells: {
        expected: pick((x) => x.account.expected.deltas),
        delivered: pick((x) => x.account.delivered.deltas),
        ratio: pick((x) => x.account.ratio),
        deltaRate: pick((x) => x.deltasPerSec),
        eventRate: pick((x) => x.eventsPerSec),
        finalP50: pick((x) => x.finalMs?.p50),
        finalP99: pick((x) => x.finalMs?.p99),
        lagP50: pick((x) => x.lagMs.p50),
        lagP99: pick((x) => x.lagMs.p99),
        ...Object.fromEntries(cpuGroups.map((g) => [`cpu_${g}`, pick((x) => x.cpu[g])])),
      },
    };
  });
  const published = edgeRuns[0]?.published;
  return {
    id: "chat",
    title: `Chat streaming (${plan.chatRuns} concurrent chat.send runs)`,
    status: losses.length > 0 ? "failed" : "ok",
    runs: plan.runs,
    method:
      `${plan.chatRuns} \`chat.send\` runs at once, each on its own new session, sent from ${plan.chatConnections} handshaken connections split over ${pool.workers.length} client processes (after ${plan.chatWarmupRuns} warm-up runs). ` +
      `The session-manager's echo provider replies \`echo: <${plan.chatWords} words>\` one word every ${plan.chatWordDelayMs} ms (${floorMs} ms per reply of pacing alone) with chat deltas at most every ${plan.chatDeltaThrottleMs} ms (CLAWDBOT_ECHO_WORD_DELAY_MS, CLAWDBOT_CHAT_DELTA_THROTTLE_MS); ` +
      `as in the original, every run's \`chat\` and \`agent\` events go to every connection` +
      (published ? ` (this run published ${published.deltas.toLocaleString("en-US")} deltas, ${published.agents.toLocaleString("en-US")} agent events and ${published.terminals} finals)` : "") +
      `. A subscriber of the bench on NATS counts what was published; every delta, agent event and final must reach every connection (expected = published × connections), and any loss fails the scenario. ` +
      `The baseline replays the recorded event stream, with its timing, through a bare ws server that frames each event once and sends it to the same number of clients. ` +
      `Send → final is measured on the connection that sent the run; the lag is from the bench's subscriber seeing a chat event on NATS to each client having it; deltas/s and events/s are deliveries over all clients from the first event to the last final. CPU is µs per published delta over the same span (it covers the run's agent events and the fan-out to every connection).`,
    ...(losses.length > 0 ? { note: `**Chat events were lost or runs failed:** ${losses.join(" | ")}` } : {}),
    columns: [
      { key: "expected", label: "deltas expected" },
      { key: "delivered", label: "deltas delivered" },
      { key: "ratio", label: "all events delivered ÷ expected", digits: 3 },
      { key: "deltaRate", label: "deltas/s" },
      { key: "eventRate", label: "events/s" },
      { key: "finalP50", label: "send → final p50", unit: "ms" },
      { key: "finalP99", label: "send → final p99", unit: "ms" },
      { key: "lagP50", label: "chat event lag p50", unit: "ms", digits: 1 },
      { key: "lagP99", label: "chat event lag p99", unit: "ms", digits: 1 },
      ...cpuGroups.map((g) => ({ key: `cpu_${g}`, label: `CPU ${g}`, unit: "µs/delta", digits: 1 })),
    ],
    rows,
    targets: [
      checkTarget("Chat events delivered", "every delta, agent event and final at every client", deliveredRatio, 1, "higher", `worst run's delivered ÷ expected over all chat and agent events; expected = published × ${plan.chatConnections} connections`),
      checkTarget(
        "Chat event lag (p50)",
        "reported: ratio to a bare ws broadcast of the same stream",
        lagRatio.median,
        NaN,
        "lower",
        `${spread(edgeRuns.map((x) => x.lagMs.p50)).median.toFixed(1)} vs ${spread(bareRuns.map((x) => x.lagMs.p50)).median.toFixed(1)} ms; send → final p50 ${spread(edgeRuns.map((x) => x.finalMs?.p50 ?? NaN)).median.toFixed(0)} ms with ${floorMs} ms of provider pacing`,
      ),
    ],
    charts: [
      {
        file: "chat-lag",
        title: "Chat event lag, NATS → client (ms, median of runs)",
        unit: "ms",
        categories: systems.map((s) => s.key),
        series: (["p50", "p99"] as const).map((q) => ({ name: q, values: systems.map((s) => spread((runs.get(s.key) ?? []).map((x) => x.lagMs[q])).median) })),
      },
      {
        file: "chat-cpu",
        title: "CPU per published chat delta (µs, median of runs)",
        unit: "µs/delta",
        categories: systems.map((s) => s.key),
        series: cpuGroups.map((g) => ({ name: g, values: systems.map((s) => spread((runs.get(s.key) ?? []).map((x) => x.cpu[g] ?? NaN)).median) })),
      },
    ],
    raw: Object.fromEntries([...runs].map(([k, list]) => [k, list.map((x) => ({ ...x, account: { ...x.account, mismatches: x.account.mismatches.slice(0, 20) } }))])),
  };
}
