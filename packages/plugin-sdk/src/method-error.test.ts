import { describe, expect, test } from "vitest";
import { definePlugin, emptyPluginConfigSchema } from "./define-plugin.js";
import { GatewayMethodError, isGatewayMethodError } from "./method-error.js";

describe("GatewayMethodError - recognised by its brand, not by instanceof", () => {
  test("keeps code, message and options", () => {
    const err = new GatewayMethodError("INVALID_REQUEST", "bad", { details: { a: 1 }, retryable: false });
    expect(err).toMatchObject({ name: "GatewayMethodError", code: "INVALID_REQUEST", message: "bad", details: { a: 1 }, retryable: false });
    expect(isGatewayMethodError(err)).toBe(true);
  });

  test("an error from another copy of the SDK still counts; a plain error with a code does not", () => {
    const foreign = Object.assign(new Error("x"), { "clawdbot.gatewayMethodError": true, code: "UNAVAILABLE" });
    expect(isGatewayMethodError(foreign)).toBe(true);
    expect(isGatewayMethodError(Object.assign(new Error("nope"), { code: "ENOENT" }))).toBe(false);
    expect(isGatewayMethodError(null)).toBe(false);
  });
});

describe("definePlugin", () => {
  test("returns its argument unchanged, in both forms", () => {
    const object = { id: "x", register: () => undefined };
    const fn = () => undefined;
    expect(definePlugin(object)).toBe(object);
    expect(definePlugin(fn)).toBe(fn);
    expect(emptyPluginConfigSchema()).toEqual({ type: "object", additionalProperties: false, properties: {} });
  });
});
