import type { ModelRef } from "./app-config.js";
import type { AppContext } from "./context.js";
import { DeltaThrottle } from "./delta-throttle.js";
import type { ChatTurn, ModelProvider, ProviderUsage } from "./providers/types.js";
import { chatAssistantMessage } from "./run-events.js";
import type { HeldRun, RunRecord } from "./run-registry.js";
import { settleRun } from "./run-settle.js";
import type { SessionEntry } from "./session-store.js";
import { isMessageRecord, messageText, textMessage } from "./transcript.js";

/** The part of the app context a run needs. */
export type RunEngineDeps = Pick<AppContext, "instanceId" | "log" | "settings" | "sessions" | "transcripts" | "registry" | "dedupe" | "results" | "events">;

export interface RunRequest {
  runId: string;
  kind: "chat" | "agent";
  sessionKey: string;
  storeKey: string;
  sessionId: string;
  message: string;
  chatEvents: boolean;
  /** Epoch ms at which the run is aborted (`stopReason: "timeout"`), or failed for `agent` runs. */
  expiresAtMs: number;
  model: ModelRef;
}

export interface RunOutcome {
  status: "ok" | "error" | "aborted" | "lost";
  text: string;
  startedAt: number;
  endedAt: number;
  error?: string;
  usage?: ProviderUsage;
  model: ModelRef;
  sessionId: string;
}

/** A run this replica owns and executes. */
export class ActiveRun {
  held: HeldRun;
  readonly request: RunRequest;
  readonly controller = new AbortController();
  readonly throttle: DeltaThrottle;
  seq = 0;
  text = "";
  /** Set by an abort; the run ends without a final. */
  stopReason: string | undefined;
  /** Set when an `agent` run passes its deadline: it ends as an error. */
  timedOut = false;
  /** Another replica took the run over (our lease lapsed): stop without any event. */
  lost = false;
  /** The reply is complete and its final is on the way: too late to abort. */
  finishing = false;
  ended = false;
  done: Promise<RunOutcome> | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Registry writes of one run run one after another, so a refresh never races the removal. */
  registryOps: Promise<unknown> = Promise.resolve();

  constructor(held: HeldRun, request: RunRequest, throttleMs: number, emitDelta: (run: ActiveRun, text: string, seq: number) => void) {
    this.held = held;
    this.request = request;
    this.throttle = new DeltaThrottle(throttleMs, (text, seq) => emitDelta(this, text, seq));
  }

  get runId(): string {
    return this.request.runId;
  }

  get stopped(): boolean {
    return this.stopReason !== undefined || this.lost || this.timedOut;
  }
}

/**
 * Executes runs on the replica that took them: streams the provider's reply as `agent` events
 * and throttled `chat` deltas, appends user and assistant messages to the transcript, ends with
 * `final` / `error` / `aborted` (spec §8), and keeps each run's lease in the registry fresh.
 */
export class RunEngine {
  readonly #deps: RunEngineDeps;
  readonly #runs = new Map<string, ActiveRun>();
  #leaseTimer: NodeJS.Timeout | undefined;

  constructor(deps: RunEngineDeps) {
    this.#deps = deps;
  }

  start(): void {
    const every = Math.max(10, Math.floor(this.#deps.settings.leaseMs / 3));
    this.#leaseTimer = setInterval(() => void this.refreshLeases(), every);
    this.#leaseTimer.unref();
  }

  stop(): void {
    clearInterval(this.#leaseTimer);
  }

  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Takes the run in the registry; undefined when a run with this id is already in flight. */
  async register(request: RunRequest): Promise<ActiveRun | undefined> {
    const now = Date.now();
    const record: RunRecord = {
      runId: request.runId,
      kind: request.kind,
      sessionKey: request.sessionKey,
      storeKey: request.storeKey,
      sessionId: request.sessionId,
      owner: this.#deps.instanceId,
      startedAt: now,
      expiresAtMs: request.expiresAtMs,
      leaseUntil: now + this.#deps.settings.leaseMs,
      seq: 0,
      chatEvents: request.chatEvents,
    };
    const revision = await this.#deps.registry.create(record);
    if (revision === undefined) return undefined;
    const run = new ActiveRun({ record, revision }, request, this.#deps.settings.deltaThrottleMs, (r, text, seq) => this.#emitDelta(r, text, seq));
    this.#runs.set(request.runId, run);
    return run;
  }

  /** Gives back a registered run that will not start (its answer turned up meanwhile). */
  async unregister(run: ActiveRun): Promise<void> {
    this.#runs.delete(run.runId);
    await this.#release(run);
  }

  /**
   * Starts a registered run; the promise settles when it has ended (callers need not wait).
   * `history` loads the conversation for providers that take it; its failure fails the run.
   */
  run(run: ActiveRun, provider: ModelProvider, history: () => Promise<ChatTurn[]> = async () => []): Promise<RunOutcome> {
    const delay = run.request.expiresAtMs - Date.now();
    run.expiryTimer = setTimeout(() => this.#expire(run), Math.max(0, Math.min(delay, 2_147_483_647)));
    run.done = this.#execute(run, provider, history).finally(() => {
      clearTimeout(run.expiryTimer);
      run.ended = true;
      this.#runs.delete(run.runId);
    });
    return run.done;
  }

  /**
   * Aborts a run of this replica (spec §8.3): emits chat `aborted` with `seq: lastSeq + 1` at
   * once, then the run stops, keeps its partial text in the transcript and leaves the registry.
   */
  abortLocal(runId: string, stopReason: string): boolean {
    const run = this.#runs.get(runId);
    if (!run || run.ended || run.stopped || run.finishing) return false;
    run.stopReason = stopReason;
    run.throttle.cancel();
    run.controller.abort();
    if (run.request.chatEvents) {
      this.#deps.events.chat({ runId, sessionKey: run.request.sessionKey, seq: run.seq + 1, state: "aborted", stopReason });
    }
    return true;
  }

  /** Refreshes every local run's lease; a run whose record changed under us was taken over. */
  async refreshLeases(): Promise<void> {
    const { registry, settings, log } = this.#deps;
    await Promise.all(
      [...this.#runs.values()].map((run) =>
        this.#queue(run, async () => {
          if (run.ended) return;
          const record = { ...run.held.record, leaseUntil: Date.now() + settings.leaseMs, seq: run.seq };
          try {
            const revision = await registry.update(run.held, record);
            if (revision !== undefined) {
              run.held = { record, revision };
              return;
            }
          } catch (err) {
            log.warn({ err, runId: run.runId }, "lease refresh failed; retrying on the next beat");
            return;
          }
          // Someone else ended the run (its lease lapsed while we could not refresh it).
          log.warn({ runId: run.runId }, "run was taken over by another replica; stopping it");
          run.lost = true;
          run.throttle.cancel();
          run.controller.abort();
        }),
      ),
    );
  }

  /** On shutdown: lets runs finish for up to `drainMs`, then ends the rest as errors. */
  async drain(): Promise<void> {
    const deadline = Date.now() + this.#deps.settings.drainMs;
    while (this.#runs.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const left = [...this.#runs.values()];
    for (const run of left) {
      if (run.finishing || run.stopped) continue;
      run.timedOut = true;
      run.controller.abort(new Error("session-manager stopping"));
    }
    await Promise.all(left.flatMap((run) => (run.done ? [run.done.catch(() => undefined)] : [])));
  }

  #expire(run: ActiveRun): void {
    if (run.request.kind === "chat") {
      this.abortLocal(run.runId, "timeout");
      return;
    }
    if (run.ended || run.stopped || run.finishing) return;
    run.timedOut = true;
    run.controller.abort(new Error("agent run timed out"));
  }

  async #execute(run: ActiveRun, provider: ModelProvider, history: () => Promise<ChatTurn[]>): Promise<RunOutcome> {
    const { transcripts, log } = this.#deps;
    const { request } = run;
    const startedAt = run.held.record.startedAt;
    try {
      const earlier = await history();
      await transcripts.append(request.sessionId, [textMessage("user", request.message, startedAt)]);
      this.#agent(run, "lifecycle", { phase: "start", startedAt });
      const messages: ChatTurn[] = [...earlier, { role: "user", text: request.message }];
      for await (const piece of provider.stream({ model: request.model.model, messages, signal: run.controller.signal })) {
        if (run.stopped) break;
        run.text += piece;
        this.#agent(run, "assistant", { text: run.text, delta: piece });
        if (request.chatEvents) run.throttle.update(run.text, run.seq);
      }
    } catch (err) {
      if (!run.stopped) return this.#fail(run, errorText(err));
    }
    if (run.lost) return this.#outcome(run, "lost");
    if (run.timedOut) return this.#fail(run, errorText(run.controller.signal.reason));
    if (run.stopReason !== undefined) return this.#endAborted(run);
    run.finishing = true;
    try {
      return await this.#complete(run, provider.usage?.());
    } catch (err) {
      log.error({ err, runId: run.runId }, "run completion failed");
      return this.#fail(run, errorText(err));
    }
  }

  async #complete(run: ActiveRun, usage: ProviderUsage | undefined): Promise<RunOutcome> {
    const { request } = run;
    run.throttle.flush();
    const endedAt = Date.now();
    const usageFields = usage ? { input: usage.input, output: usage.output, totalTokens: usage.input + usage.output } : undefined;
    await this.#deps.transcripts.append(request.sessionId, [
      textMessage("assistant", run.text, endedAt, {
        provider: request.model.provider,
        model: request.model.model,
        ...(usageFields ? { usage: usageFields } : {}),
        stopReason: "stop",
      }),
    ]);
    this.#agent(run, "lifecycle", { phase: "end", startedAt: run.held.record.startedAt, endedAt });
    if (request.chatEvents) {
      this.#deps.events.chat({
        runId: run.runId,
        sessionKey: request.sessionKey,
        seq: run.seq,
        state: "final",
        ...(run.text ? { message: chatAssistantMessage(run.text, endedAt) } : {}),
      });
    }
    // The final is out: from here on a failure is logged, never turned into a second terminal event.
    const outcome = this.#outcome(run, "ok", { endedAt, usage });
    await this.#touchSession(run, outcome).catch((err: unknown) => this.#deps.log.warn({ err, runId: run.runId }, "session update failed"));
    await this.#settle(run, { status: "ok", startedAt: outcome.startedAt, endedAt });
    return outcome;
  }

  async #fail(run: ActiveRun, error: string): Promise<RunOutcome> {
    const { request } = run;
    run.throttle.cancel();
    const endedAt = Date.now();
    this.#agent(run, "lifecycle", { phase: "error", startedAt: run.held.record.startedAt, endedAt, error });
    if (request.chatEvents) {
      this.#deps.events.chat({ runId: run.runId, sessionKey: request.sessionKey, seq: run.seq, state: "error", errorMessage: error });
    }
    const outcome = this.#outcome(run, "error", { endedAt, error });
    await this.#touchSession(run, outcome).catch((err: unknown) => this.#deps.log.warn({ err, runId: run.runId }, "session update failed"));
    await this.#settle(run, { status: "error", startedAt: outcome.startedAt, endedAt, error });
    return outcome;
  }

  async #endAborted(run: ActiveRun): Promise<RunOutcome> {
    const { request } = run;
    const { log } = this.#deps;
    const endedAt = Date.now();
    if (run.text) {
      // The partial reply stays in the transcript, marked as aborted.
      await this.#deps.transcripts
        .append(request.sessionId, [textMessage("assistant", run.text, endedAt, { provider: request.model.provider, model: request.model.model, stopReason: "aborted" })])
        .catch((err: unknown) => log.warn({ err, runId: run.runId }, "could not keep the aborted run's text"));
    }
    this.#agent(run, "lifecycle", { phase: "end", startedAt: run.held.record.startedAt, endedAt, aborted: true });
    const outcome = this.#outcome(run, "aborted", { endedAt });
    await this.#touchSession(run, outcome).catch((err: unknown) => log.warn({ err, runId: run.runId }, "session update failed"));
    await this.#settle(run, { status: "ok", startedAt: outcome.startedAt, endedAt });
    return outcome;
  }

  #outcome(run: ActiveRun, status: RunOutcome["status"], extra: Partial<RunOutcome> = {}): RunOutcome {
    return {
      status,
      text: run.text,
      startedAt: run.held.record.startedAt,
      endedAt: Date.now(),
      model: run.request.model,
      sessionId: run.request.sessionId,
      ...extra,
    };
  }

  /** Token counts, model and `abortedLastRun` on the session, unless it was reset or deleted meanwhile. */
  async #touchSession(run: ActiveRun, outcome: RunOutcome): Promise<void> {
    await this.#deps.sessions.update(run.request.storeKey, (current) => {
      if (!current || current.sessionId !== run.request.sessionId) return undefined;
      const next: SessionEntry = { ...current, updatedAt: Math.max(current.updatedAt, outcome.endedAt), abortedLastRun: outcome.status === "aborted" };
      next.modelProvider = outcome.model.provider;
      next.model = outcome.model.model;
      if (outcome.usage) {
        next.inputTokens = outcome.usage.input;
        next.outputTokens = outcome.usage.output;
        next.totalTokens = outcome.usage.input + outcome.usage.output;
      }
      return next;
    });
  }

  async #settle(run: ActiveRun, verdict: Parameters<typeof settleRun>[2]): Promise<void> {
    try {
      await settleRun(this.#deps, run.held.record, verdict);
    } catch (err) {
      this.#deps.log.error({ err, runId: run.runId }, "could not record the run's outcome");
    }
    await this.#release(run);
  }

  /** Removes the run's record; a revision moved by a concurrent refresh is looked up again. */
  async #release(run: ActiveRun): Promise<void> {
    const { registry, instanceId, log } = this.#deps;
    await this.#queue(run, async () => {
      try {
        if (await registry.remove(run.runId, run.held.revision)) return;
        const now = await registry.get(run.runId);
        if (now && now.record.owner === instanceId) await registry.remove(run.runId, now.revision);
      } catch (err) {
        // The record stays until its lease lapses; another replica then ends it as lost.
        log.error({ err, runId: run.runId }, "could not remove a finished run from the registry");
      }
    });
  }

  #queue(run: ActiveRun, op: () => Promise<void>): Promise<void> {
    const next = run.registryOps.then(op, op);
    run.registryOps = next.catch(() => undefined);
    return next;
  }

  #agent(run: ActiveRun, stream: string, data: Record<string, unknown>): void {
    run.seq += 1;
    this.#deps.events.agent(run.runId, run.request.sessionKey, run.seq, stream, data);
  }

  #emitDelta(run: ActiveRun, text: string, seq: number): void {
    if (run.stopped || run.ended) return;
    this.#deps.events.chat({ runId: run.runId, sessionKey: run.request.sessionKey, seq, state: "delta", message: chatAssistantMessage(text, Date.now()) });
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === "string" && err ? err : "run failed";
}

/** The conversation so far, for providers that take it (transcript messages as chat turns). */
export function turnsFromRecords(records: Parameters<typeof isMessageRecord>[0][]): ChatTurn[] {
  return records.filter(isMessageRecord).flatMap((r): ChatTurn[] => {
    const role = r.message.role;
    if (role !== "user" && role !== "assistant" && role !== "system") return [];
    if (r.message.stopReason === "aborted" || r.message.stopReason === "error") return [];
    return [{ role, text: messageText(r.message) }];
  });
}
