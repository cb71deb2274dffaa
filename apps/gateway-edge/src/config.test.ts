import { expect, test } from "vitest";
import { EdgeConfigError, loadEdgeConfig } from "./config.js";

test("refuses to start without a shared secret", () => {
  expect(() => loadEdgeConfig({})).toThrow(EdgeConfigError);
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_AUTH_MODE: "password", CLAWDBOT_GATEWAY_TOKEN: "t" })).toThrow(/password not configured/);
});

test("reads the original's variables with the original's defaults", () => {
  const config = loadEdgeConfig({ CLAWDBOT_GATEWAY_TOKEN: "t" });
  expect(config).toMatchObject({ port: 18789, bind: "127.0.0.1", authMode: "token", natsUrl: "nats://127.0.0.1:4222", natsPrefix: "gw" });
  expect(config.handshakeTimeoutMs).toBe(10_000);
  const custom = loadEdgeConfig({
    CLAWDBOT_GATEWAY_PASSWORD: "p",
    CLAWDBOT_GATEWAY_PORT: "0",
    CLAWDBOT_GATEWAY_BIND: "lan",
    CLAWDBOT_NATS_PREFIX: "dev2",
    CLAWDBOT_EDGE_ID: "edge-a",
    NATS_URL: "nats://10.0.0.1:4333",
  });
  expect(custom).toMatchObject({ port: 0, bind: "0.0.0.0", authMode: "password", natsPrefix: "dev2", edgeId: "edge-a", natsUrl: "nats://10.0.0.1:4333" });
});

test("rejects malformed numbers with the variable's name", () => {
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_TOKEN: "t", CLAWDBOT_GATEWAY_PORT: "http" })).toThrow(/CLAWDBOT_GATEWAY_PORT/);
});
