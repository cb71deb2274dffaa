import * as z from "zod";
import { ConnectChallengePayload, ConnectParams, ErrorShape, EventFrame, GatewayFrame, HelloOk, PresenceEntry, RequestFrame, ResponseFrame, ShutdownPayload, TickPayload } from "./frames.js";
import { methods } from "./methods/index.js";

/** JSON Schema of every frame and method, generated from the zod schemas (the single source). */
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
  };
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(frames)) out[name] = z.toJSONSchema(schema, { io: "input" });
  for (const [method, def] of Object.entries(methods)) {
    out[`${method}.params`] = z.toJSONSchema(def.params, { io: "input" });
    out[`${method}.result`] = z.toJSONSchema(def.result, { io: "output" });
  }
  return out;
}
