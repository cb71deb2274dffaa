import type { IdempotencyStore } from "./idempotency.js";
import type { RunRecord } from "./run-registry.js";
import type { RunResults } from "./run-results.js";

export interface RunVerdict {
  status: "ok" | "error";
  startedAt: number;
  endedAt: number;
  /** The error's text, for `status: "error"`. */
  error?: string;
}

/**
 * Records how a run ended where retries and waiters look: the chat idempotency entry (what a
 * retried `chat.send` replays, spec §7.5 step 7) and the `agent.wait` result. Written before the
 * run leaves the registry, so a retry always finds either the run or its answer.
 * `agent` runs write their own idempotency entry (the full final answer), unless `agentToo`.
 */
export async function settleRun(stores: { dedupe: IdempotencyStore; results: RunResults }, record: RunRecord, verdict: RunVerdict, agentToo = false): Promise<void> {
  const writes: Promise<void>[] = [];
  const failed = verdict.status === "error";
  const summary = verdict.error ?? "error";
  const error = { code: "UNAVAILABLE", message: summary };
  if (record.kind === "chat") {
    writes.push(
      stores.dedupe.set(
        "chat",
        record.runId,
        failed ? { ok: false, payload: { runId: record.runId, status: "error", summary }, error } : { ok: true, payload: { runId: record.runId, status: "ok" } },
      ),
    );
  } else if (agentToo) {
    writes.push(stores.dedupe.set("agent", record.runId, { ok: false, payload: { runId: record.runId, status: "error", summary }, error }));
  }
  writes.push(
    stores.results.set({
      runId: record.runId,
      status: verdict.status,
      startedAt: verdict.startedAt,
      endedAt: verdict.endedAt,
      ...(failed ? { error: summary } : {}),
    }),
  );
  await Promise.all(writes);
}
