import { type NatsNames } from "@clawdbot/protocol";
import { ErrorCode, type NatsConnection, type Subscription } from "nats";
import type { RunEngine } from "./chat-runs.js";
import type { HeldRun, RunRegistry } from "./run-registry.js";
import { type TakeoverDeps, takeOverRun } from "./run-takeover.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface AbortDeps extends TakeoverDeps {
  nc: NatsConnection;
  names: NatsNames;
  engine: RunEngine;
  registry: RunRegistry;
  /** How long to wait for the owner before taking the run over. */
  requestTimeoutMs?: number;
}

/** The internal subject one replica listens on for aborts of its runs (never on the edge's `rpc` space). */
export function abortSubject(names: NatsNames, instanceId: string): string {
  return names.internal(`session-manager.${instanceId}.abort`);
}

/**
 * `chat.abort` from any replica: the run registry names the owner, the abort goes to the owner
 * on its internal subject, and the owner emits `aborted`. An owner that does not answer is gone:
 * the run is then taken over and ended as aborted here.
 */
export class AbortService {
  readonly #deps: AbortDeps;
  #sub: Subscription | undefined;

  constructor(deps: AbortDeps) {
    this.#deps = deps;
  }

  start(): void {
    const { nc, names, instanceId, engine, log } = this.#deps;
    this.#sub = nc.subscribe(abortSubject(names, instanceId), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const { runId, stopReason } = JSON.parse(decoder.decode(msg.data)) as { runId: string; stopReason: string };
          msg.respond(encoder.encode(JSON.stringify({ aborted: engine.abortLocal(runId, stopReason) })));
        } catch (e) {
          log.warn({ err: e }, "bad internal abort request");
          msg.respond(encoder.encode(JSON.stringify({ aborted: false })));
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.#sub?.drain();
  }

  /** Aborts every chat run of a session; the result is `chat.abort`'s. */
  async abortSession(storeKey: string, stopReason: string): Promise<{ ok: true; aborted: boolean; runIds: string[] }> {
    const runs = (await this.#deps.registry.forSession(storeKey)).filter((h) => h.record.kind === "chat");
    return this.abortRuns(runs, stopReason);
  }

  async abortRuns(runs: HeldRun[], stopReason: string): Promise<{ ok: true; aborted: boolean; runIds: string[] }> {
    const results = await Promise.all(runs.map(async (held) => ((await this.#abortOne(held, stopReason)) ? held.record.runId : undefined)));
    const runIds = results.filter((id): id is string => id !== undefined);
    return { ok: true, aborted: runIds.length > 0, runIds };
  }

  async #abortOne(held: HeldRun, stopReason: string): Promise<boolean> {
    const { nc, names, instanceId, engine, log } = this.#deps;
    const { record } = held;
    if (record.owner === instanceId && engine.has(record.runId)) return engine.abortLocal(record.runId, stopReason);
    try {
      const reply = await nc.request(abortSubject(names, record.owner), encoder.encode(JSON.stringify({ runId: record.runId, stopReason })), {
        timeout: this.#deps.requestTimeoutMs ?? 3_000,
      });
      return (JSON.parse(decoder.decode(reply.data)) as { aborted?: boolean }).aborted === true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== ErrorCode.NoResponders && code !== ErrorCode.Timeout) throw err;
      log.warn({ runId: record.runId, owner: record.owner, code }, "run owner does not answer; aborting the run here");
      return takeOverRun(this.#deps, held, { state: "aborted", stopReason });
    }
  }
}
