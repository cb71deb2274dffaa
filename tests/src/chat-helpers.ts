import { randomBytes } from "node:crypto";
import type { Frame, RawClient } from "@clawdbot/testkit";
import { Ajv, type ValidateFunction } from "ajv";
import { originalSchema } from "./original-schema.js";

// Helpers for the sessions/chat e2e tests: payload validation against the original's event
// definitions, and event filters by run.

export interface ChatPayload {
  runId: string;
  sessionKey: string;
  seq: number;
  state: "delta" | "final" | "aborted" | "error";
  message?: { role: string; content: { type: string; text: string }[]; timestamp: number };
  errorMessage?: string;
  stopReason?: string;
}

export interface AgentPayload {
  runId: string;
  seq: number;
  stream: string;
  ts: number;
  data: Record<string, unknown>;
  sessionKey?: string;
}

const validators = new Map<string, ValidateFunction>();

/** Validates a payload against one definition of the original's schema (strict, as its client). */
export function assertOriginalDefinition(name: string, payload: unknown): void {
  let validate = validators.get(name);
  if (!validate) {
    const schema = originalSchema() as { definitions: Record<string, unknown> };
    validate = new Ajv({ allErrors: true, strict: false }).compile({ $ref: `#/definitions/${name}`, definitions: schema.definitions });
    validators.set(name, validate);
  }
  if (!validate(payload)) throw new Error(`${name} fails the original schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(payload)}`);
}

/**
 * The original's AgentEventSchema has no `sessionKey`, yet its server adds one (spec §12.6, schema
 * drift we keep for compatibility): validated without it.
 */
export function assertAgentEvent(payload: AgentPayload): void {
  const { sessionKey: _sessionKey, ...rest } = payload;
  assertOriginalDefinition("AgentEvent", rest);
}

export const chatEvents = (client: RawClient, runId: string): ChatPayload[] =>
  client.frames.filter((f) => f.type === "event" && f.event === "chat" && (f.payload as ChatPayload).runId === runId).map((f) => f.payload as ChatPayload);

export const agentEvents = (client: RawClient, runId: string): AgentPayload[] =>
  client.frames.filter((f) => f.type === "event" && f.event === "agent" && (f.payload as AgentPayload).runId === runId).map((f) => f.payload as AgentPayload);

/** Waits for the run's chat event in one of `states`. */
export function nextChat(client: RawClient, runId: string, states: ChatPayload["state"][], timeoutMs = 20_000): Promise<Frame> {
  return client.next((f) => f.event === "chat" && (f.payload as ChatPayload).runId === runId && states.includes((f.payload as ChatPayload).state), timeoutMs);
}

export const uniqueKey = (label = "run") => `${label}-${randomBytes(6).toString("hex")}`;

/** A message of `n` words: the echo reply streams one word per CLAWDBOT_ECHO_WORD_DELAY_MS. */
export const words = (n: number, prefix = "w") => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(" ");

export const textOf = (message: ChatPayload["message"] | undefined) => message?.content.map((c) => c.text).join("") ?? "";
