import { type LayerTrees, layerConfig } from "@clawdbot/config";
import { describe, expect, test } from "vitest";
import { AuthSettings } from "./auth-settings.js";
import { type ConfigView, authSources, edgeAuthSettings, listenAddress } from "./live-config-settings.js";

/** An effective config as config-service builds it: the real layering, with provenance. */
function effective(trees: Partial<LayerTrees>): ConfigView {
  const result = layerConfig({ file: {}, env: {}, override: {}, ...trees });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return { config: result.config, provenance: result.provenance };
}

describe("edgeAuthSettings: the effective config's gateway.* as auth settings", () => {
  test("each key maps to its setting; unset lists and flags are empty and off", () => {
    const file = {
      gateway: {
        auth: { token: "file-token" },
        trustedProxies: ["10.0.0.1", "10.2.0.0/16"],
        controlUi: { allowedOrigins: ["https://ui.example.com"], allowInsecureAuth: true, dangerouslyDisableDeviceAuth: true },
      },
    };
    expect(edgeAuthSettings(effective({ file }), {})).toEqual({
      mode: "token",
      token: "file-token",
      password: undefined,
      trustedProxies: ["10.0.0.1", "10.2.0.0/16"],
      allowedOrigins: ["https://ui.example.com"],
      controlUiAllowInsecureAuth: true,
      controlUiDisableDeviceAuth: true,
    });
    expect(edgeAuthSettings(effective({ file: { gateway: { auth: { token: "t" } } } }), {})).toMatchObject({
      trustedProxies: [],
      allowedOrigins: [],
      controlUiAllowInsecureAuth: false,
      controlUiDisableDeviceAuth: false,
    });
  });

  test("a password selects password mode unless the mode is set", () => {
    expect(edgeAuthSettings(effective({ file: { gateway: { auth: { password: "pw" } } } }), {})).toMatchObject({ mode: "password", password: "pw" });
    expect(edgeAuthSettings(effective({ file: { gateway: { auth: { mode: "token", token: "t", password: "pw" } } } }), {})).toMatchObject({ mode: "token" });
    // The edge's own password counts as well: the mode follows the merged secret.
    expect(edgeAuthSettings(effective({ file: { gateway: { auth: { token: "t" } } } }), { password: "edge-pw" })).toMatchObject({ mode: "password", password: "edge-pw" });
  });

  test("the edge's own environment beats file and config-service's env, key by key; a runtime override beats it", () => {
    const trees = {
      file: { gateway: { auth: { token: "file-token" }, trustedProxies: ["10.0.0.1"] } },
      env: { gateway: { controlUi: { allowedOrigins: ["https://service-env.example.com"] } } },
    };
    const edgeEnv = { token: "edge-token", allowedOrigins: ["https://edge.example.com"] };
    const plain = effective(trees);
    expect(edgeAuthSettings(plain, edgeEnv)).toMatchObject({ token: "edge-token", trustedProxies: ["10.0.0.1"], allowedOrigins: ["https://edge.example.com"] });
    expect(authSources(plain, edgeEnv)).toEqual({
      "gateway.auth.token": "edge-env",
      "gateway.trustedProxies": "file",
      "gateway.controlUi.allowedOrigins": "edge-env",
    }); // the mode is unset: it follows the secret

    const overridden = effective({ ...trees, override: { gateway: { auth: { token: "override-token" } } } });
    expect(edgeAuthSettings(overridden, edgeEnv)).toMatchObject({ token: "override-token", allowedOrigins: ["https://edge.example.com"] });
    expect(authSources(overridden, edgeEnv)).toMatchObject({ "gateway.auth.token": "override", "gateway.controlUi.allowedOrigins": "edge-env" });
  });

  test("with no config published, the environment alone; no secret anywhere does not validate", () => {
    expect(edgeAuthSettings(null, { token: "t" })).toEqual({ mode: "token", token: "t" });
    expect(AuthSettings.safeParse(edgeAuthSettings(null, { token: "t" })).success).toBe(true);
    const none = AuthSettings.safeParse(edgeAuthSettings(null, {}));
    expect(none.success || none.error.issues.map((i) => i.message)).toEqual(["gateway auth token not configured (set gateway.auth.token)"]);
    const noSecret = AuthSettings.safeParse(edgeAuthSettings(effective({}), {}));
    expect(noSecret.success).toBe(false);
  });

  test("entries the config schema lets through but the edge cannot use are refused by the settings schema", () => {
    const bad = edgeAuthSettings(effective({ file: { gateway: { auth: { token: "t" }, trustedProxies: ["not-an-ip"] } } }), {});
    const parsed = AuthSettings.safeParse(bad);
    expect(parsed.success || parsed.error.issues.map((i) => [i.path.join("."), i.message])).toEqual([["trustedProxies.0", "not an IP address or CIDR range: not-an-ip"]]);
  });
});

describe("listenAddress", () => {
  test("gateway.port and gateway.bind, with the original's bind names", () => {
    expect(listenAddress(null, {})).toEqual({ port: 18789, bind: "127.0.0.1" });
    expect(listenAddress(effective({ file: { gateway: { port: 19001, bind: "lan" } } }), {})).toEqual({ port: 19001, bind: "0.0.0.0" });
    expect(listenAddress(effective({ file: { gateway: { bind: "auto" } } }), {})).toMatchObject({ bind: "127.0.0.1" });
    expect(listenAddress(effective({ file: { gateway: { bind: "custom", customBindHost: "10.9.8.7" } } }), {})).toMatchObject({ bind: "10.9.8.7" });
    expect(listenAddress(effective({ file: { gateway: { bind: "custom" } } }), {})).toMatchObject({ bind: "127.0.0.1", warning: expect.stringContaining("customBindHost") });
  });

  test("the edge's own port and bind win, even over an override; port 0 keeps the port it got", () => {
    const config = effective({ file: { gateway: { port: 19001, bind: "lan" } }, override: { gateway: { port: 19002 } } });
    expect(listenAddress(config, {})).toEqual({ port: 19002, bind: "0.0.0.0" });
    expect(listenAddress(config, { port: 20000, bind: "127.0.0.1" })).toEqual({ port: 20000, bind: "127.0.0.1" });
    expect(listenAddress(config, { port: 0 })).toEqual({ port: 0, bind: "0.0.0.0" });
    expect(listenAddress(config, { port: 0 }, 43123)).toEqual({ port: 43123, bind: "0.0.0.0" });
  });
});
