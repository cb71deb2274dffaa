import type { Logger } from "pino";
import type { RunEngine } from "./chat-runs.js";
import type { IdempotencyStore } from "./idempotency.js";
import type { RunEvents } from "./run-events.js";
import type { HeldRun, RunRegistry } from "./run-registry.js";
import type { RunResults } from "./run-results.js";
import { settleRun } from "./run-settle.js";

export interface TakeoverDeps {
  instanceId: string;
  log: Logger;
  leaseMs: number;
  registry: RunRegistry;
  dedupe: IdempotencyStore;
  results: RunResults;
  events: RunEvents;
}

/** How a run that lost its owner ends: as an error, or aborted on request. */
export type TakeoverVerdict = { state: "error"; errorMessage: string } | { state: "aborted"; stopReason: string };

export const OWNER_LOST = "run owner lost";

/**
 * Ends a run whose owner is gone, from any replica. The record is first rewritten with this
 * replica as owner (compare-and-set: of several replicas trying, one wins), so retries still see
 * the run in flight; then the terminal events go out, the answer is recorded for retries and
 * waiters, and the record is removed. Returns false when another replica (or the owner) won.
 */
export async function takeOverRun(deps: TakeoverDeps, held: HeldRun, verdict: TakeoverVerdict): Promise<boolean> {
  const { record } = held;
  const now = Date.now();
  const tombstone = { ...record, owner: deps.instanceId, leaseUntil: now + deps.leaseMs };
  const revision = await deps.registry.update(held, tombstone);
  if (revision === undefined) return false;
  deps.log.warn({ runId: record.runId, owner: record.owner, verdict: verdict.state }, "ending a run whose owner is gone");
  const seq = record.seq + 1;
  if (verdict.state === "error") {
    deps.events.agent(record.runId, record.sessionKey, seq, "lifecycle", { phase: "error", startedAt: record.startedAt, endedAt: now, error: verdict.errorMessage });
    if (record.chatEvents) deps.events.chat({ runId: record.runId, sessionKey: record.sessionKey, seq, state: "error", errorMessage: verdict.errorMessage });
  } else {
    if (record.chatEvents) deps.events.chat({ runId: record.runId, sessionKey: record.sessionKey, seq, state: "aborted", stopReason: verdict.stopReason });
    deps.events.agent(record.runId, record.sessionKey, seq, "lifecycle", { phase: "end", startedAt: record.startedAt, endedAt: now, aborted: true });
  }
  const failed = verdict.state === "error";
  await settleRun(deps, tombstone, { status: failed ? "error" : "ok", startedAt: record.startedAt, endedAt: now, ...(failed ? { error: verdict.errorMessage } : {}) }, failed);
  await deps.registry.remove(record.runId, revision);
  return true;
}

/**
 * Every replica looks for runs whose lease lapsed (their owner died or lost NATS) and ends them
 * as `error` ("run owner lost"), so no run stays in flight forever — within about a lease time.
 * Liveness is judged by the lease timestamp: nats-server 2.9 sends no event when an entry expires.
 */
export class Reaper {
  readonly #deps: TakeoverDeps & { engine: RunEngine };
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(deps: TakeoverDeps & { engine: RunEngine }) {
    this.#deps = deps;
  }

  start(): void {
    const every = Math.max(10, Math.floor(this.#deps.leaseMs / 4));
    this.#timer = setInterval(() => void this.sweep(), every);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async sweep(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (const held of this.#deps.registry.expired(Date.now())) {
        // Our own live runs are refreshed by the engine; a late refresh is not a death.
        if (this.#deps.engine.has(held.record.runId)) continue;
        try {
          await takeOverRun(this.#deps, held, { state: "error", errorMessage: OWNER_LOST });
        } catch (err) {
          this.#deps.log.warn({ err, runId: held.record.runId }, "takeover failed; retrying on the next sweep");
        }
      }
    } finally {
      this.#busy = false;
    }
  }
}
