import { describe, expect, test } from "vitest";
import { buildConfigSchema } from "./json-schema.js";

describe("config.schema - JSON Schema from the zod schema, uiHints, plugin schemas", () => {
  const response = buildConfigSchema(
    [
      {
        id: "voice-call",
        name: "Voice Call",
        description: "Phone calls",
        configSchema: { type: "object", properties: { provider: { type: "string" } } },
        uiHints: { provider: { label: "Provider", bogus: true } },
      },
      { id: "matrix", configSchema: { type: "object", properties: { homeserver: { type: "string" } } }, channels: ["matrix"] },
    ],
    "1.2.3",
  );
  const schema = response.schema as { properties: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> };

  test("draft-07, strict where this gateway runs the section, open where it keeps it", () => {
    expect(response.schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.properties.gateway!.additionalProperties).toBe(false);
    expect(schema.properties.gateway!.properties!.port).toMatchObject({ type: "integer", default: 18789 });
    expect(schema.properties.channels).toMatchObject({ description: "Not run by this gateway; kept as it is." });
    expect(response.version).toBe("1.2.3");
    expect(Date.parse(response.generatedAt)).not.toBeNaN();
  });

  test("uiHints: labels, groups, and secrets marked sensitive", () => {
    expect(response.uiHints["gateway.auth.token"]).toEqual({ label: "Gateway Token", sensitive: true });
    expect(response.uiHints["models.providers.*.apiKey"]).toMatchObject({ sensitive: true });
    expect(response.uiHints.gateway).toEqual({ group: "Gateway", order: 30 });
    expect(response.uiHints["gateway.port"]).toEqual({ label: "Gateway Port" });
  });

  test("plugin schemas are merged at plugins.entries.<id>.config and channels.<id>, their hints cleaned", () => {
    const entries = schema.properties.plugins!.properties!.entries as { properties: Record<string, { properties: { config: unknown } }> };
    expect(entries.properties["voice-call"]!.properties.config).toEqual({ type: "object", properties: { provider: { type: "string" } } });
    expect((schema.properties.channels!.properties as Record<string, unknown>).matrix).toEqual({ type: "object", properties: { homeserver: { type: "string" } } });
    expect(response.uiHints["plugins.entries.voice-call"]).toEqual({ label: "Voice Call", help: "Phone calls" });
    expect(response.uiHints["plugins.entries.voice-call.config.provider"]).toEqual({ label: "Provider" });
  });
});
