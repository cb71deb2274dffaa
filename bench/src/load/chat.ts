// The worker's side of the chat scenario: every connection counts the chat and agent events of
// the batch's runs it receives (all runs' events reach every operator client), and the runs this
// worker sends are timed from `chat.send` to their `final` on the connection that sent them.
import type { WsCaller } from "./callers.js";
import type { ChatProgress, ChatResult } from "./messages.js";
import { readEventHead } from "./protocol.js";

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface ChatPayload {
  runId: string;
  seq: number;
  state: string;
  message?: { content?: { text?: string }[] };
  errorMessage?: string;
}

/** The session key and run id (idempotency key) of a batch's i-th run sent by a worker. */
export function chatRunId(batch: string, worker: number, i: number): string {
  return `${batch}-w${worker}-r${i}`;
}

export class ChatListener {
  readonly #batch: string;
  readonly #runPrefix: string;
  readonly #totalRuns: number;
  readonly #finalText: string;
  readonly #callers: WsCaller[];
  /** Terminal events seen per connection; a connection is done when it has one per run. */
  readonly #terminals: number[];
  readonly #sent = new Map<string, { t0: number; caller: WsCaller }>();
  readonly #deltas = new Map<string, number>();
  readonly #agents = new Map<string, number>();
  readonly #arrivals = new Map<string, number[]>();
  readonly #failureSamples: string[] = [];
  #failures = 0;
  readonly #ackUs: number[] = [];
  readonly #finalUs: number[] = [];
  #deltaCount = 0;
  #agentCount = 0;
  #finals = 0;
  #doneConnections = 0;
  #doneUs = NaN;
  #pendingAcks = 0;
  #acked: (() => void) | undefined;
  #done: (() => void) | undefined;
  readonly finished: Promise<void>;

  constructor(callers: WsCaller[], batch: string, totalRuns: number, finalText: string) {
    this.#batch = batch;
    this.#runPrefix = `${batch}-`;
    this.#totalRuns = totalRuns;
    this.#finalText = finalText;
    this.#callers = callers;
    this.#terminals = callers.map(() => 0);
    this.finished = new Promise((resolve) => (this.#done = resolve));
    if (callers.length === 0 || totalRuns === 0) this.#done!();
    callers.forEach((caller, i) => (caller.onEventFrame = (buf) => this.#onEvent(buf, i, caller)));
  }

  /** Sends this worker's runs, spread over its connections, each on its own session; resolves once all are acked. */
  send(worker: number, runs: number, message: string): Promise<void> {
    if (runs === 0) return Promise.resolve();
    if (this.#callers.length === 0) throw new Error("no connection");
    const acked = new Promise<void>((resolve) => (this.#acked = resolve));
    this.#pendingAcks = runs;
    for (let i = 0; i < runs; i++) {
      const runId = chatRunId(this.#batch, worker, i);
      const caller = this.#callers[i % this.#callers.length]!;
      const t0 = nowUs();
      this.#sent.set(runId, { t0, caller });
      caller.request("chat.send", { sessionKey: runId, message, idempotencyKey: runId }, (ok, frame) => {
        this.#ackUs.push(nowUs() - t0);
        const status = ok ? (JSON.parse(frame.toString("utf8")) as { payload?: { status?: string } }).payload?.status : undefined;
        if (status !== "started") this.#fail(`${runId}: chat.send answered ${frame.toString("utf8").slice(0, 200)}`);
        if (--this.#pendingAcks === 0) this.#acked!();
      });
    }
    return acked;
  }

  /** Moves whenever anything of the batch arrives (for the stall watchdog). */
  get seen(): number {
    return this.#deltaCount + this.#agentCount + this.#finals + this.#ackUs.length;
  }

  /** Where the batch stands, for an error message. */
  describe(): string {
    const expected = this.#totalRuns * this.#callers.length;
    return `${this.#finals} of ${expected} finals, ${this.#deltaCount} deltas and ${this.#agentCount} agent events on ${this.#callers.length} connections; ${this.#ackUs.length} of ${this.#sent.size} own runs acked`;
  }

  progress(): ChatProgress {
    return { deltas: this.#deltaCount, finals: this.#finals };
  }

  /** Stops listening (the connections stay open). */
  stop(): void {
    for (const caller of this.#callers) caller.onEventFrame = undefined;
  }

  result(): ChatResult {
    return {
      connections: this.#callers.length,
      deltas: this.#deltas,
      agents: this.#agents,
      finals: this.#finals,
      failures: this.#failures,
      failureSamples: this.#failureSamples,
      ackUs: this.#ackUs,
      finalUs: this.#finalUs,
      arrivals: this.#arrivals,
      doneUs: this.#doneUs,
    };
  }

  #fail(what: string): void {
    if (++this.#failures <= 10) this.#failureSamples.push(what);
  }

  #onEvent(buf: Buffer, index: number, caller: WsCaller): void {
    const head = readEventHead(buf);
    if (!head?.runId?.startsWith(this.#runPrefix)) return;
    const { runId } = head;
    if (head.event === "agent") {
      this.#agentCount++;
      this.#agents.set(runId, (this.#agents.get(runId) ?? 0) + 1);
      return;
    }
    if (head.event !== "chat") return;
    const t = nowUs();
    const payload = (JSON.parse(buf.toString("utf8")) as { payload: ChatPayload }).payload;
    const key = `${runId}|${payload.seq}|${payload.state}`;
    const arrivals = this.#arrivals.get(key);
    if (arrivals) arrivals.push(t);
    else this.#arrivals.set(key, [t]);
    if (payload.state === "delta") {
      this.#deltaCount++;
      this.#deltas.set(runId, (this.#deltas.get(runId) ?? 0) + 1);
      return;
    }
    this.#finals++;
    const text = payload.message?.content?.map((c) => c.text ?? "").join("");
    if (payload.state !== "final" || text !== this.#finalText) {
      this.#fail(`${runId}: ${payload.state}${payload.errorMessage ? ` (${payload.errorMessage})` : ""}${payload.state === "final" ? ` with text ${JSON.stringify(text?.slice(0, 80))}` : ""}`);
    }
    const sent = this.#sent.get(runId);
    if (sent && sent.caller === caller) this.#finalUs.push(t - sent.t0);
    if (++this.#terminals[index]! === this.#totalRuns) {
      this.#doneConnections++;
      if (this.#doneConnections === this.#callers.length) {
        this.#doneUs = t;
        this.#done!();
      }
    }
  }
}
