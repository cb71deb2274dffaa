import type { NatsNames } from "@clawdbot/protocol";
import type { StreamReplication } from "@clawdbot/runtime";
import type { JetStreamClient, KV } from "nats";
import { encodeKey } from "./kv-key.js";
import { encodeJson, liveEntry, openBucket } from "./kv-util.js";

/** How long `agent.wait` remembers a finished run (spec §7.8). */
export const RUN_RESULT_TTL_MS = 10 * 60_000;

export interface RunResult {
  runId: string;
  status: "ok" | "error";
  startedAt?: number;
  endedAt?: number;
  error?: string;
}

/**
 * Finished runs for `agent.wait`, in a KV bucket with a 10-minute max age. A waiter watches its
 * run's key, so it wakes on the put from whichever replica ends the run.
 */
export class RunResults {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  static async open(js: JetStreamClient, names: NatsNames, replication?: StreamReplication): Promise<RunResults> {
    return new RunResults(await openBucket(js, names.runResultsBucket, { ttl: RUN_RESULT_TTL_MS }, replication));
  }

  async set(result: RunResult): Promise<void> {
    await this.#kv.put(encodeKey(result.runId), encodeJson(result));
  }

  async get(runId: string): Promise<RunResult | undefined> {
    return liveEntry(await this.#kv.get(encodeKey(runId)))?.json<RunResult>();
  }

  /** The run's result, waiting up to `timeoutMs` for it; undefined on timeout. */
  async wait(runId: string, timeoutMs: number): Promise<RunResult | undefined> {
    const watch = await this.#kv.watch({ key: encodeKey(runId) });
    const timer = setTimeout(() => watch.stop(), timeoutMs);
    try {
      for await (const entry of watch) {
        if (entry.operation === "PUT") return entry.json<RunResult>();
      }
      return undefined;
    } finally {
      clearTimeout(timer);
      watch.stop();
    }
  }
}
