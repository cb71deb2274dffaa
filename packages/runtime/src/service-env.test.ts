import { expect, test } from "vitest";
import { ServiceEnvError, readJsReplicas, readServiceEnv } from "./service-env.js";

test("defaults follow the original's names and places", () => {
  const env = readServiceEnv({ HOME: "/home/u" });
  expect(env).toMatchObject({ natsUrl: "nats://127.0.0.1:4222", natsPrefix: "gw", logLevel: "info", stateDir: "/home/u/.clawdbot", heartbeatMs: 2000, jsReplicas: 1 });
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

test("CLAWDBOT_JS_REPLICAS: 1 when unset or blank, else an integer from 1 to 5", () => {
  expect(readJsReplicas({})).toBe(1);
  expect(readJsReplicas({ CLAWDBOT_JS_REPLICAS: "" })).toBe(1);
  expect(readJsReplicas({ CLAWDBOT_JS_REPLICAS: " 3 " })).toBe(3);
  expect(readJsReplicas({ CLAWDBOT_JS_REPLICAS: "5" })).toBe(5);
  expect(readServiceEnv({ CLAWDBOT_JS_REPLICAS: "3" }).jsReplicas).toBe(3);
});

test.each(["0", "6", "-1", "2.5", "three", "3x", "1e0"])("CLAWDBOT_JS_REPLICAS=%j is refused with a message naming the setting", (raw) => {
  const read = () => readServiceEnv({ CLAWDBOT_JS_REPLICAS: raw });
  expect(read).toThrow(ServiceEnvError);
  expect(read).toThrow(`CLAWDBOT_JS_REPLICAS must be an integer from 1 to 5 (JetStream replicas of every bucket and stream), not ${JSON.stringify(raw)}`);
});
