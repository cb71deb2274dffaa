import { publishEvent } from "@clawdbot/nats-rpc";
import type { AgentEvent, ChatEvent, NatsNames } from "@clawdbot/protocol";
import type { NatsConnection } from "nats";

/**
 * Publishes a run's `agent` and `chat` events to every client of every edge (spec §6.3).
 * Chat deltas are `dropIfSlow`; agent events and terminal chat events are not, as in the original.
 */
export class RunEvents {
  readonly #nc: NatsConnection;
  readonly #names: NatsNames;

  constructor(nc: NatsConnection, names: NatsNames) {
    this.#nc = nc;
    this.#names = names;
  }

  /** The original adds `sessionKey` to agent events (its own schema lacks it: spec §12.6). */
  agent(runId: string, sessionKey: string, seq: number, stream: string, data: Record<string, unknown>): void {
    const payload: AgentEvent = { runId, seq, stream, ts: Date.now(), data, sessionKey };
    publishEvent(this.#nc, this.#names, "agent", payload);
  }

  chat(payload: ChatEvent): void {
    publishEvent(this.#nc, this.#names, "chat", payload, { dropIfSlow: payload.state === "delta" });
  }
}

/** The `message` of a chat delta/final that comes from an agent run. */
export function chatAssistantMessage(text: string, timestamp: number): { role: "assistant"; content: { type: "text"; text: string }[]; timestamp: number } {
  return { role: "assistant", content: [{ type: "text", text }], timestamp };
}
