import type { ErrorShape, StateVersion } from "@clawdbot/protocol";

// Frames are built as strings once and written as is: the edge never re-validates what it emits
// (the schemas are proven in tests against the original's JSON Schema).

export function okFrame(id: string, payload: unknown): string {
  return JSON.stringify({ type: "res", id, ok: true, payload });
}

export function errorFrame(id: string, error: ErrorShape): string {
  return JSON.stringify({ type: "res", id, ok: false, error });
}

export function eventFrame(event: string, payload: unknown, seq?: number, stateVersion?: StateVersion): string {
  return JSON.stringify({ type: "event", event, payload, seq, stateVersion });
}
