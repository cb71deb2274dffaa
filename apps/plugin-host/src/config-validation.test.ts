import { describe, expect, test } from "vitest";
import { PluginConfigValidator } from "./config-validation.js";

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["port"],
  properties: { port: { type: "integer", minimum: 1 }, mode: { type: "string", default: "fast" }, tls: { type: "object", properties: { cert: { type: "string" } } } },
};

describe("PluginConfigValidator - Ajv against the manifest schema", () => {
  test("a valid config comes back with the schema's defaults filled in, the input untouched", () => {
    const input = { port: 8080 };
    expect(new PluginConfigValidator().check("demo", "k", schema, input)).toEqual({ ok: true, value: { port: 8080, mode: "fast" } });
    expect(input).toEqual({ port: 8080 });
  });

  test("every issue, with the config path and Ajv's message", () => {
    const result = new PluginConfigValidator().check("demo", "k", schema, { port: "80", extra: 1, tls: { cert: 5 } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: "plugins.entries.demo.config.port", message: "must be integer" },
        { path: "plugins.entries.demo.config", message: "must NOT have additional properties (extra)" },
        { path: "plugins.entries.demo.config.tls.cert", message: "must be string" },
      ]),
    );
    expect(result.error).toMatch(/^invalid config: /);
    expect(result.error).toContain("port: must be integer");
    expect(result.error).toContain("<root>: must NOT have additional properties (extra)");
  });

  test("no config at all is checked as {}", () => {
    const result = new PluginConfigValidator().check("demo", "k", schema, undefined);
    expect(result).toMatchObject({ ok: false, issues: [{ path: "plugins.entries.demo.config", message: "must have required property 'port'" }] });
  });

  test("a manifest schema Ajv cannot compile refuses the plugin, it does not throw", () => {
    const result = new PluginConfigValidator().check("demo", "bad", { type: "no-such-type" }, {});
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid config schema in manifest: /) });
  });

  test("a manifest edited in place with the same $id compiles again", () => {
    const validator = new PluginConfigValidator();
    const v1 = { $id: "https://example.com/demo.schema.json", type: "object", properties: { a: { type: "string" } } };
    const v2 = { $id: "https://example.com/demo.schema.json", type: "object", properties: { a: { type: "integer" } } };
    expect(validator.check("demo", "m:1", v1, { a: "x" }).ok).toBe(true);
    expect(validator.check("demo", "m:2", v2, { a: 1 }).ok).toBe(true);
    expect(validator.check("demo", "m:2", v2, { a: "x" }).ok).toBe(false);
  });
});
