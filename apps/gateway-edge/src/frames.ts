import type { ErrorShape, StateVersion } from "@clawdbot/protocol";

// Frames are built as strings once and written as is: the edge never re-validates what it emits
// (the shapes are proven in tests against the original's JSON Schema).

export function okFrame(id: string, payload: unknown): string {
  return JSON.stringify({ type: "res", id, ok: true, payload });
}

/** A `res` frame around a payload that is already JSON text (a service's reply, as it came). */
export function okFrameFromJson(id: string, payloadJson: string): string {
  return `{"type":"res","id":${JSON.stringify(id)},"ok":true,"payload":${payloadJson}}`;
}

export function errorFrame(id: string, error: ErrorShape): string {
  return JSON.stringify({ type: "res", id, ok: false, error });
}

/**
 * An event frame around a payload that is already JSON text (as it arrives from the bus), so a
 * payload is never parsed and re-serialised just to add `seq`. `payloadJson` must be valid JSON.
 */
export function eventFrameFromJson(event: string, payloadJson: string | undefined, seq?: number, stateVersion?: StateVersion): string {
  let frame = `{"type":"event","event":${JSON.stringify(event)}`;
  if (payloadJson !== undefined && payloadJson !== "") frame += `,"payload":${payloadJson}`;
  if (seq !== undefined) frame += `,"seq":${seq}`;
  if (stateVersion) frame += `,"stateVersion":{"presence":${stateVersion.presence},"health":${stateVersion.health}}`;
  return frame + "}";
}

export function eventFrame(event: string, payload: unknown, seq?: number, stateVersion?: StateVersion): string {
  return eventFrameFromJson(event, payload === undefined ? undefined : JSON.stringify(payload), seq, stateVersion);
}
