import type { ConnectChallengePayload, PresenceEntry, ShutdownPayload, StateVersion, TickPayload } from "../frames.js";

// Payload types of the events whose shape the spec pins down (§6.3). They are compile-time
// types only: the client does not validate event payloads, so a newer server adding fields
// never makes it drop events. Events not listed here are typed `unknown`.

/** `chat` event (spec §6.3, §8). */
export interface ChatEventPayload {
  runId: string;
  sessionKey: string;
  seq: number;
  state: "delta" | "final" | "aborted" | "error";
  message?: unknown;
  errorMessage?: string;
  usage?: unknown;
  stopReason?: string;
}

/** `agent` event: one step of an agent run (spec §6.3). */
export interface AgentEventPayload {
  runId: string;
  seq: number;
  stream: "lifecycle" | "assistant" | "tool" | "compaction" | "error" | (string & {});
  ts: number;
  data: Record<string, unknown>;
  sessionKey?: string;
}

/** `health` event: the HealthSummary; only the fields every gateway sends are named. */
export interface HealthEventPayload {
  ok: boolean;
  ts: number;
  [key: string]: unknown;
}

/** Event name → payload type, for the events whose payload is known. */
export interface GatewayEventPayloads {
  "connect.challenge": ConnectChallengePayload;
  tick: TickPayload;
  shutdown: ShutdownPayload;
  presence: { presence: PresenceEntry[] };
  health: HealthEventPayload;
  chat: ChatEventPayload;
  agent: AgentEventPayload;
  "talk.mode": { enabled: boolean; phase: string | null; ts: number };
  "voicewake.changed": { triggers: string[] };
}

/** The payload type of event `E`: known for the events above, `unknown` for any other name. */
export type EventPayload<E extends string> = E extends keyof GatewayEventPayloads ? GatewayEventPayloads[E] : unknown;

/** One received event, as handlers and iterators see it. */
export interface GatewayEvent<E extends string = string> {
  event: E;
  payload: EventPayload<E>;
  /** Per-edge broadcast counter; absent on targeted events and `connect.challenge`. */
  seq?: number;
  stateVersion?: StateVersion;
}

/** A name of an event with a known payload, or any other string (autocompletes the known ones). */
export type EventName = keyof GatewayEventPayloads | (string & {});
