import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { GATEWAY_CLIENT_IDS } from "./client-info.js";
import { protocolJsonSchemas } from "./json-schema.js";
import { methods } from "./methods/index.js";

const FRAME_SCHEMAS = [
  "GatewayFrame",
  "RequestFrame",
  "ResponseFrame",
  "EventFrame",
  "ErrorShape",
  "ConnectParams",
  "HelloOk",
  "PresenceEntry",
  "ConnectChallengePayload",
  "TickPayload",
  "ShutdownPayload",
  "ChatEvent",
  "GatewayFrameV4",
  "RequestFrameV4",
  "EventFrameV4",
  "ConnectParamsV4",
  "HelloOkV4",
  "ConnectChallengePayloadV4",
  "ChatEventV4",
];

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; additionalProperties?: unknown };

describe("protocolJsonSchemas - what other-language clients get", () => {
  const schemas = protocolJsonSchemas() as Record<string, JsonSchema>;

  test("has every frame schema and a params and result schema for each registry method", () => {
    const expected = [...FRAME_SCHEMAS, ...Object.keys(methods).flatMap((m) => [`${m}.params`, `${m}.result`])];
    expect(Object.keys(schemas).sort()).toEqual(expected.sort());
    expect(Object.keys(methods).length).toBeGreaterThan(0);
  });

  test("each entry is a JSON Schema document that survives JSON serialisation", () => {
    for (const [name, schema] of Object.entries(schemas)) {
      expect([name, typeof schema.$schema]).toEqual([name, "string"]);
      expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    }
  });

  test("each entry compiles with Ajv (draft 2020-12)", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    for (const [name, schema] of Object.entries(schemas)) {
      expect(() => ajv.compile(schema), name).not.toThrow();
    }
  });

  test("strictness survives: frames and strict params forbid extra keys", () => {
    for (const name of ["RequestFrame", "ResponseFrame", "EventFrame", "ErrorShape", "ConnectParams", "HelloOk", "sessions.list.params", "config.get.params"]) {
      expect([name, schemas[name]!.additionalProperties]).toEqual([name, false]);
    }
  });

  test("the generated schemas judge frames as our zod schemas do", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const eventFrame = ajv.compile(schemas.EventFrame!);
    expect(eventFrame({ type: "event", event: "tick", payload: { ts: 1 }, seq: 3, stateVersion: { presence: 1, health: 1 } })).toBe(true);
    expect(eventFrame({ type: "event", event: "tick", seq: 1.5 })).toBe(false);
    expect(eventFrame({ type: "event", event: "tick", extra: 1 })).toBe(false);
    expect(eventFrame({ type: "event", event: "tick", stateVersion: { presence: 1 } })).toBe(false);

    const frame = ajv.compile(schemas.GatewayFrame!);
    expect(frame({ type: "req", id: "1", method: "health" })).toBe(true);
    expect(frame({ type: "res", id: "1", ok: false, error: { code: "UNAVAILABLE", message: "x", retryable: true } })).toBe(true);
    expect(frame({ type: "res", id: "", ok: true })).toBe(false);

    const listParams = ajv.compile(schemas["sessions.list.params"]!);
    expect(listParams({ limit: 5, search: "x" })).toBe(true);
    expect(listParams({ limit: 0 })).toBe(false);
    expect(listParams({ nope: true })).toBe(false);
  });

  test("ConnectParams lists every client id generation", () => {
    const client = schemas.ConnectParams!.properties!.client!;
    const id = client.properties!.id as { enum?: string[] };
    expect([...(id.enum ?? [])].sort()).toEqual([...GATEWAY_CLIENT_IDS].sort());
  });
});
