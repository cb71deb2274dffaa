import { expect, test } from "vitest";
import { EdgeConfigError, loadEdgeConfig } from "./config.js";

test("takes only what the environment sets: no secret is fine here, the config can supply one", () => {
  const config = loadEdgeConfig({});
  expect(config.envAuth).toEqual({});
  expect(config.listen).toEqual({});
  expect(config.configWaitMs).toBe(5_000);
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_AUTH_MODE: "both" })).toThrow(/CLAWDBOT_GATEWAY_AUTH_MODE must be "token" or "password"/);
});

test("reads the original's variables", () => {
  const config = loadEdgeConfig({ CLAWDBOT_GATEWAY_TOKEN: "t" });
  expect(config).toMatchObject({ envAuth: { token: "t" }, natsUrl: "nats://127.0.0.1:4222", natsPrefix: "gw" });
  expect(config.authRateLimit).toEqual({ maxFailures: 10, windowMs: 60_000 });
  expect(config.handshakeTimeoutMs).toBe(10_000);
  const custom = loadEdgeConfig({
    CLAWDBOT_GATEWAY_PASSWORD: "p",
    CLAWDBOT_GATEWAY_PORT: "0",
    CLAWDBOT_GATEWAY_BIND: "lan",
    CLAWDBOT_NATS_PREFIX: "dev2",
    CLAWDBOT_EDGE_ID: "edge-a",
    NATS_URL: "nats://10.0.0.1:4333",
  });
  expect(custom).toMatchObject({ listen: { port: 0, bind: "0.0.0.0" }, envAuth: { password: "p" }, natsPrefix: "dev2", edgeId: "edge-a", natsUrl: "nats://10.0.0.1:4333" });
  expect(loadEdgeConfig({ CLAWDBOT_GATEWAY_BIND: "10.1.2.3" }).listen).toEqual({ bind: "10.1.2.3" });
});

test("rejects malformed numbers with the variable's name", () => {
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_TOKEN: "t", CLAWDBOT_GATEWAY_PORT: "http" })).toThrow(/CLAWDBOT_GATEWAY_PORT/);
});

test("auth hardening settings: trusted proxies, origins, rate limit", () => {
  const config = loadEdgeConfig({
    CLAWDBOT_GATEWAY_TOKEN: "t",
    CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "10.0.0.1, 10.1.0.0/16",
    CLAWDBOT_GATEWAY_ALLOWED_ORIGINS: "https://ui.example.com",
    CLAWDBOT_GATEWAY_CONTROL_UI_ALLOW_INSECURE_AUTH: "true",
    CLAWDBOT_GATEWAY_CONTROL_UI_DISABLE_DEVICE_AUTH: "0",
    CLAWDBOT_AUTH_RATE_LIMIT: "0",
  });
  expect(config.envAuth).toEqual({
    token: "t",
    trustedProxies: ["10.0.0.1", "10.1.0.0/16"],
    allowedOrigins: ["https://ui.example.com"],
    controlUiAllowInsecureAuth: true,
    controlUiDisableDeviceAuth: false,
  });
  expect(config.authRateLimit.maxFailures).toBe(0);
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "10.0.0.300" })).toThrow(EdgeConfigError);
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_TOKEN: "t", CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "10.0.0.300" })).toThrow(/trustedProxies/);
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_ALLOWED_ORIGINS: "not an origin" })).toThrow(/allowedOrigins/);
  expect(() => loadEdgeConfig({ CLAWDBOT_GATEWAY_TOKEN: "t", CLAWDBOT_GATEWAY_CONTROL_UI_ALLOW_INSECURE_AUTH: "maybe" })).toThrow(/ALLOW_INSECURE_AUTH/);
});

test("limits and graceful stop: defaults, overrides, 0 turns a limit off", () => {
  const config = loadEdgeConfig({});
  expect(config.limits).toEqual({ maxInflightPerConnection: 256, maxInflightPerEdge: 10_000, maxConnectionsPerIp: 1_000 });
  expect(config.restartExpectedMs).toBe(5_000);
  expect(config.drainTimeoutMs).toBe(10_000);
  const custom = loadEdgeConfig({
    CLAWDBOT_MAX_INFLIGHT_PER_CONN: "8",
    CLAWDBOT_MAX_INFLIGHT_PER_EDGE: "0",
    CLAWDBOT_MAX_CONNECTIONS_PER_IP: "0",
    CLAWDBOT_RESTART_EXPECTED_MS: "0",
    CLAWDBOT_DRAIN_TIMEOUT_MS: "2500",
  });
  expect(custom.limits).toEqual({ maxInflightPerConnection: 8, maxInflightPerEdge: 0, maxConnectionsPerIp: 0 });
  expect(custom).toMatchObject({ restartExpectedMs: 0, drainTimeoutMs: 2_500 });
  expect(() => loadEdgeConfig({ CLAWDBOT_MAX_INFLIGHT_PER_CONN: "-1" })).toThrow(/CLAWDBOT_MAX_INFLIGHT_PER_CONN/);
  expect(() => loadEdgeConfig({ CLAWDBOT_DRAIN_TIMEOUT_MS: "soon" })).toThrow(/CLAWDBOT_DRAIN_TIMEOUT_MS/);
});
