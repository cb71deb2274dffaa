import * as z from "zod";
import { ConnectChallengePayload, ConnectParams, ErrorShape, EventFrame, GatewayFrame, HelloOk, PresenceEntry, RequestFrame, ResponseFrame, ShutdownPayload, TickPayload } from "./frames.js";
import { ConnectChallengePayloadV4, ConnectParamsV4, EventFrameV4, GatewayFrameV4, HelloOkV4, RequestFrameV4 } from "./frames-v4.js";
import { ChatEvent, ChatEventV4 } from "./methods/chat.js";
import { methods } from "./methods/index.js";

/**
 * JSON Schema of every frame and method, generated from the zod schemas (the single source).
 * Protocol 3 names are unsuffixed; protocol 4's frames that differ carry a `V4` suffix.
 */
export function protocolJsonSchemas(): Record<string, unknown> {
  const frames = {
    GatewayFrame,
    RequestFrame,
    ResponseFrame,
    EventFrame,
    ErrorShape,
    ConnectParams,
    HelloOk,
    PresenceEntry,
    ConnectChallengePayload,
    TickPayload,
    ShutdownPayload,
    ChatEvent,
    GatewayFrameV4,
    RequestFrameV4,
    EventFrameV4,
    ConnectParamsV4,
    HelloOkV4,
    ConnectChallengePayloadV4,
    ChatEventV4,
  };
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(frames)) out[name] = z.toJSONSchema(schema, { io: "input" });
  for (const [method, def] of Object.entries(methods)) {
    out[`${method}.params`] = z.toJSONSchema(def.params, { io: "input" });
    out[`${method}.result`] = z.toJSONSchema(def.result, { io: "output" });
  }
  return out;
}
