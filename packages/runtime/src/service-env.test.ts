import { expect, test } from "vitest";
import { readServiceEnv } from "./service-env.js";

test("defaults follow the original's names and places", () => {
  const env = readServiceEnv({ HOME: "/home/u" });
  expect(env).toMatchObject({ natsUrl: "nats://127.0.0.1:4222", natsPrefix: "gw", logLevel: "info", stateDir: "/home/u/.clawdbot", heartbeatMs: 2000 });
  expect(env.configPath).toBeUndefined();
});

test("overrides, with MOLTBOT_* winning for the state dir and config path as in the original", () => {
  const env = readServiceEnv({
    HOME: "/home/u",
    NATS_URL: "nats://a:1,nats://b:2",
    CLAWDBOT_NATS_PREFIX: "dev2",
    CLAWDBOT_STATE_DIR: "~/state",
    MOLTBOT_CONFIG_PATH: "/etc/moltbot.json",
    CLAWDBOT_CONFIG_PATH: "/ignored.json",
    CLAWDBOT_REGISTRY_HEARTBEAT_MS: "500",
  });
  expect(env).toMatchObject({ natsUrl: "nats://a:1,nats://b:2", natsPrefix: "dev2", stateDir: "/home/u/state", configPath: "/etc/moltbot.json", heartbeatMs: 500 });
  expect(readServiceEnv({ CLAWDBOT_REGISTRY_HEARTBEAT_MS: "soon" }).heartbeatMs).toBe(2000);
});
