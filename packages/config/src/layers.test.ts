import { describe, expect, test } from "vitest";
import { envLayer } from "./env-layer.js";
import { layerConfig, layerOf } from "./layers.js";

describe("envLayer - the original's variables and the generic mapping", () => {
  test("explicit variables map to their paths; the port is a number", () => {
    const { tree, sources } = envLayer({
      CLAWDBOT_GATEWAY_PORT: "19002",
      CLAWDBOT_GATEWAY_TOKEN: "env-token",
      CLAWDBOT_GATEWAY_PASSWORD: "env-password",
      CLAWDBOT_GATEWAY_BIND: "lan",
      HOME: "/home/x",
    });
    expect(tree).toEqual({ gateway: { port: 19002, bind: "lan", auth: { token: "env-token", password: "env-password" } } });
    expect(sources["gateway.auth.token"]).toBe("CLAWDBOT_GATEWAY_TOKEN");
  });

  test("CLAWDBOT_CONFIG__a__b sets any key, values parsed as JSON5 else taken as text, and beats an explicit variable", () => {
    const { tree, errors } = envLayer({
      CLAWDBOT_CONFIG__gateway__port: "19000",
      CLAWDBOT_GATEWAY_PORT: "18000",
      CLAWDBOT_CONFIG__gateway__trustedProxies: "['10.0.0.1', '10.0.0.2']",
      CLAWDBOT_CONFIG__agents__defaults__model: "{ primary: 'local/llama3' }",
      CLAWDBOT_CONFIG__ui__assistant__name: "Molty the lobster",
      CLAWDBOT_CONFIG__session__mainKey: "'0042'",
      CLAWDBOT_CONFIG__gateway____proto__: "1",
      CLAWDBOT_CONFIG__logging__level: "",
    });
    expect(tree).toEqual({
      gateway: { port: 19000, trustedProxies: ["10.0.0.1", "10.0.0.2"] },
      agents: { defaults: { model: { primary: "local/llama3" } } },
      ui: { assistant: { name: "Molty the lobster" } },
      session: { mainKey: "0042" },
    });
    expect(errors.map((e) => e.variable)).toEqual(["CLAWDBOT_CONFIG__gateway____proto__"]);
  });
});

describe("layerConfig - defaults < file < env < overrides, key by key", () => {
  const file = { gateway: { port: 19001, auth: { token: "file-token" }, bind: "lan" }, session: { mainKey: "desk" }, agents: { defaults: { timeoutSeconds: 100 } } };
  const env = envLayer({ CLAWDBOT_GATEWAY_PORT: "19002", CLAWDBOT_GATEWAY_TOKEN: "env-token", CLAWDBOT_CONFIG__agents__defaults__timeoutSeconds: "200" }).tree;
  const override = { gateway: { port: 19003 }, agents: { defaults: { timeoutSeconds: 300 } } };

  test.each([
    ["gateway.port", { file: {}, env: {}, override: {} }, 18789, "default"],
    ["gateway.port", { file, env: {}, override: {} }, 19001, "file"],
    ["gateway.port", { file, env, override: {} }, 19002, "env"],
    ["gateway.port", { file, env, override }, 19003, "override"],
    // Unlike the original (file wins for the token), the environment beats the file.
    ["gateway.auth.token", { file, env: {}, override: {} }, "file-token", "file"],
    ["gateway.auth.token", { file, env, override: {} }, "env-token", "env"],
    ["gateway.auth.token", { file, env, override: { gateway: { auth: { token: "runtime" } } } }, "runtime", "override"],
    ["agents.defaults.timeoutSeconds", { file: {}, env: {}, override: {} }, 600, "default"],
    ["agents.defaults.timeoutSeconds", { file, env, override }, 300, "override"],
    ["session.mainKey", { file, env, override }, "desk", "file"],
    ["gateway.bind", { file, env, override }, "lan", "file"],
    ["gateway.reload.mode", { file, env, override }, "hybrid", "default"],
  ] as const)("%s with %j is %j from %s", (path, layers, value, layer) => {
    const result = layerConfig(layers);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const actual = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], result.config);
    expect(actual).toEqual(value);
    expect(result.provenance[path]).toBe(layer);
    expect(layerOf(result.provenance, path)).toBe(layer);
  });

  test("an object's layer is the highest among its leaves; unknown paths have none", () => {
    const result = layerConfig({ file, env, override });
    if (!result.ok) throw new Error("invalid");
    expect(layerOf(result.provenance, "gateway")).toBe("override");
    expect(layerOf(result.provenance, "session")).toBe("file");
    expect(layerOf(result.provenance, "nope.nothing")).toBeUndefined();
  });

  test("an array replaces the lower layer's array whole", () => {
    const result = layerConfig({ file: { gateway: { trustedProxies: ["a", "b"] } }, env: { gateway: { trustedProxies: ["c"] } }, override: {} });
    expect(result.ok && result.config.gateway.trustedProxies).toEqual(["c"]);
    expect(result.ok && result.provenance["gateway.trustedProxies"]).toBe("env");
  });

  test("a bad value from the environment is an issue that names the layer", () => {
    const result = layerConfig({ file, env: envLayer({ CLAWDBOT_GATEWAY_PORT: "not-a-port" }).tree, override: {} });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([{ path: "gateway.port", message: expect.stringContaining("(set by the env layer)") }]);
  });

  test("equal configs hash equally whatever the key order", () => {
    const a = layerConfig({ file: { gateway: { port: 1000, bind: "lan" } }, env: {}, override: {} });
    const b = layerConfig({ file: { gateway: { bind: "lan", port: 1000 } }, env: {}, override: {} });
    expect(a.ok && b.ok && a.hash === b.hash).toBe(true);
  });
});
