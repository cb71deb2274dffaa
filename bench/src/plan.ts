import { parseArgs } from "node:util";

export const SCENARIOS = ["latency", "throughput", "edge-local", "idle", "fanout", "chat", "scaleout"] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

/** How much of everything a run does; `--quick` is the CI smoke size (under two minutes). */
export interface Plan {
  quick: boolean;
  runs: number;
  /** Sequential calls per run, and how many before them are thrown away. */
  seqCalls: number;
  seqWarmup: number;
  /** Pipelined load: warm-up then measurement window, per run. */
  loadWarmupMs: number;
  loadMs: number;
  inflight: number[];
  /** WebSocket connections the pipelined calls are spread over (split across the client processes). */
  loadConnections: number;
  clientProcesses: number;
  edgeLocalConnections: number[];
  edgeLocalMethods: string[];
  edgeLocalWarmupMs: number;
  edgeLocalMs: number;
  idleConnections: number;
  fanoutClients: number;
  fanoutRepeats: number;
  fanoutEvents: number;
  fanoutWindow: number;
  /** Chat streaming: concurrent `chat.send` runs (each on its own session), after warm-up runs. */
  chatRuns: number;
  chatWarmupRuns: number;
  /** Connections the runs are sent from (split across the client processes); each receives every run's events. */
  chatConnections: number;
  /** Words of each message; the echo provider replies `echo: <message>`, one word at a time. */
  chatWords: number;
  /** The session-manager's echo pacing and chat delta throttle (CLAWDBOT_ECHO_WORD_DELAY_MS, CLAWDBOT_CHAT_DELTA_THROTTLE_MS). */
  chatWordDelayMs: number;
  chatDeltaThrottleMs: number;
  only: ScenarioId[];
  method: string;
  params: unknown;
  outDir: string | undefined;
  url: string | undefined;
  token: string | undefined;
  pid: number | undefined;
  profile: boolean;
}

export const USAGE = `usage: pnpm bench [--quick] [--only latency,throughput,…] [--url ws://host:port --token T [--pid P]]
                  [--method agents.list] [--params '{}'] [--out dir] [--profile]

  --quick         CI smoke size: one run of everything, small counts (< 2 minutes)
  --only          scenarios to run: ${SCENARIOS.join(", ")}
  --url, --token  measure another server speaking protocol 3 (only the call scenarios run)
  --pid           that server's process id, to report its CPU per call
  --method        the forwarded method of the call scenarios (default agents.list; our edge is
                  also measured with sessions.list, which includes a JetStream read barrier)
  --profile       run our edges and services with --cpu-prof; profiles land in bench/profiles/
  --out           where results go (default bench/results)`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function planFromArgs(argv: string[]): Plan {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        url: { type: "string" },
        token: { type: "string" },
        pid: { type: "string" },
        method: { type: "string" },
        params: { type: "string" },
        out: { type: "string" },
        profile: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) throw new UsageError("");
  const only = v.only ? v.only.split(",").map((s) => s.trim()).filter(Boolean) : [...SCENARIOS];
  for (const id of only) if (!(SCENARIOS as readonly string[]).includes(id)) throw new UsageError(`unknown scenario ${JSON.stringify(id)}`);
  let params: unknown = {};
  if (v.params !== undefined) {
    try {
      params = JSON.parse(v.params);
    } catch {
      throw new UsageError("--params must be JSON");
    }
  }
  const pid = v.pid === undefined ? undefined : Number(v.pid);
  if (pid !== undefined && !Number.isInteger(pid)) throw new UsageError("--pid must be a process id");
  if (v.url && !/^wss?:\/\//.test(v.url)) throw new UsageError("--url must be a ws:// or wss:// URL");
  const quick = v.quick ?? false;
  return {
    quick,
    runs: quick ? 1 : 3,
    seqCalls: quick ? 2_000 : 10_000,
    seqWarmup: quick ? 300 : 1_000,
    loadWarmupMs: quick ? 500 : 1_000,
    loadMs: quick ? 1_500 : 4_000,
    inflight: [64, 256],
    loadConnections: 16,
    clientProcesses: 2,
    edgeLocalConnections: [1, 8, 64],
    edgeLocalMethods: ["health", "status", "system-presence"],
    edgeLocalWarmupMs: quick ? 300 : 500,
    edgeLocalMs: quick ? 1_000 : 2_500,
    idleConnections: quick ? 1_000 : 10_000,
    fanoutClients: quick ? 200 : 1_000,
    fanoutRepeats: quick ? 10 : 20,
    fanoutEvents: quick ? 100 : 300,
    fanoutWindow: 16,
    chatRuns: 100,
    chatWarmupRuns: quick ? 16 : 32,
    chatConnections: 16,
    chatWords: 40,
    chatWordDelayMs: 40,
    chatDeltaThrottleMs: 150,
    // Always in the canonical order: chat leaves sessions in the store, which `sessions.list` would then list.
    only: SCENARIOS.filter((id) => only.includes(id)),
    method: v.method ?? "agents.list",
    params,
    outDir: v.out,
    url: v.url,
    token: v.token,
    pid,
    profile: v.profile ?? false,
  };
}
