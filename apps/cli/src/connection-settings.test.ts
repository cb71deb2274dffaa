import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { CliConfigView } from "./config-file.js";
import { resolveConnection } from "./connection-settings.js";

const config = (c: Record<string, unknown>) => (): CliConfigView => ({ path: "/x/moltbot.json", exists: true, config: c });
const noConfig = () => {
  throw new Error("the config file must not be read");
};

describe("resolveConnection", () => {
  test("flags first: nothing else is read", () => {
    expect(resolveConnection({ url: "ws://10.0.0.5:18789", token: "t" }, { CLAWDBOT_GATEWAY_TOKEN: "e" }, noConfig)).toEqual({
      url: "ws://10.0.0.5:18789",
      token: "t",
      sources: { url: "flag", token: "flag" },
    });
  });

  test("then the environment", () => {
    const env = { CLAWDBOT_GATEWAY_URL: "wss://gw.example:443", CLAWDBOT_GATEWAY_TOKEN: "e", CLAWDBOT_GATEWAY_PASSWORD: "p" };
    expect(resolveConnection({}, env, noConfig)).toEqual({ url: "wss://gw.example:443", token: "e", password: "p", sources: { url: "env", token: "env", password: "env" } });
  });

  test("then the config file: gateway.port and gateway.auth on 127.0.0.1", () => {
    const settings = resolveConnection({}, {}, config({ gateway: { port: 18999, auth: { token: "c" } } }));
    expect(settings).toEqual({ url: "ws://127.0.0.1:18999", token: "c", sources: { url: "config", token: "config" } });
  });

  test("CLAWDBOT_GATEWAY_PORT beats gateway.port; 18789 without either", () => {
    expect(resolveConnection({ token: "t" }, { CLAWDBOT_GATEWAY_PORT: "19001" }, config({ gateway: { port: 18999 } })).url).toBe("ws://127.0.0.1:19001");
    expect(resolveConnection({ token: "t" }, {}, config({})).url).toBe("ws://127.0.0.1:18789");
  });

  test("remote mode: gateway.remote.url and gateway.remote.token", () => {
    const settings = resolveConnection({}, {}, config({ gateway: { mode: "remote", remote: { url: "wss://far.example", token: "r" }, auth: { token: "local" } } }));
    expect(settings).toMatchObject({ url: "wss://far.example", token: "r" });
  });

  test("the dev token file serves the local default gateway only", () => {
    const stateDir = mkdtempSync(join(tmpdir(), "cli-state-"));
    writeFileSync(join(stateDir, "gateway-token"), "dev-token\n");
    const env = { CLAWDBOT_STATE_DIR: stateDir };
    expect(resolveConnection({}, env, config({}))).toMatchObject({ url: "ws://127.0.0.1:18789", token: "dev-token", sources: { token: "token file" } });
    expect(resolveConnection({ url: "ws://elsewhere:1" }, env, config({}))).not.toHaveProperty("token");
  });

  test("a URL that is not ws:// or wss:// is a usage error", () => {
    expect(() => resolveConnection({ url: "http://127.0.0.1:18789", token: "t" }, {}, noConfig)).toThrow(/must start with ws:\/\/ or wss:\/\//);
    expect(() => resolveConnection({ token: "t" }, { CLAWDBOT_GATEWAY_PORT: "http" }, config({}))).toThrow("invalid gateway port: http");
  });
});
