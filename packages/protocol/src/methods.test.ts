import { describe, expect, test } from "vitest";
import { BASE_METHODS, EXTRA_METHODS, isKnownMethod, methodDefinition, methods } from "./methods/index.js";
import { ConfigGetParams } from "./methods/config.js";
import { SessionsListParams } from "./methods/sessions.js";

// Spec §7.0, written out independently of the implementation.
const SPEC_BASE_METHODS = `health logs.tail channels.status channels.logout status usage.status usage.cost tts.status
tts.providers tts.enable tts.disable tts.convert tts.setProvider config.get config.set config.apply config.patch
config.schema exec.approvals.get exec.approvals.set exec.approvals.node.get exec.approvals.node.set
exec.approval.request exec.approval.resolve wizard.start wizard.next wizard.cancel wizard.status talk.mode
models.list agents.list skills.status skills.bins skills.install skills.update update.run voicewake.get
voicewake.set sessions.list sessions.preview sessions.patch sessions.reset sessions.delete sessions.compact
last-heartbeat set-heartbeats wake node.pair.request node.pair.list node.pair.approve node.pair.reject
node.pair.verify device.pair.list device.pair.approve device.pair.reject device.token.rotate device.token.revoke
node.rename node.list node.describe node.invoke node.invoke.result node.event cron.list cron.status cron.add
cron.update cron.remove cron.run cron.runs system-presence system-event send agent agent.identity.get agent.wait
browser.request chat.history chat.abort chat.send`.split(/\s+/);

describe("method registry - the advertised base list", () => {
  test("BASE_METHODS is exactly spec §7.0, in order, without duplicates", () => {
    expect([...BASE_METHODS]).toEqual(SPEC_BASE_METHODS);
    expect(new Set(BASE_METHODS).size).toBe(BASE_METHODS.length);
  });

  test("extra methods do not repeat base ones", () => {
    for (const method of EXTRA_METHODS) expect(BASE_METHODS as readonly string[]).not.toContain(method);
  });
});

describe("isKnownMethod - an outage (UNAVAILABLE) versus an unknown method", () => {
  test.each(["health", "chat.send", "node.invoke.result", "config.get", "system-presence", "exec.approvals.node.set"])(
    "base method %s is known",
    (method) => {
      expect(isKnownMethod(method)).toBe(true);
    },
  );

  test.each(["chat.inject", "sessions.resolve", "poll", "plugins.list", "plugins.enable", "config.override.set", "config.override.clear"])(
    "extra method %s is known",
    (method) => {
      expect(isKnownMethod(method)).toBe(true);
    },
  );

  test("every method with a registry schema is known", () => {
    for (const method of Object.keys(methods)) expect(isKnownMethod(method)).toBe(true);
  });

  test.each(["no.such.method", "", "HEALTH", "health ", "chat", "sessions", "constructor", "__proto__", "toString", "hasOwnProperty"])(
    "%j is not known",
    (method) => {
      expect(isKnownMethod(method)).toBe(false);
    },
  );
});

describe("methodDefinition - params and result schemas by name", () => {
  test("returns the registry's schemas", () => {
    expect(methodDefinition("sessions.list")?.params).toBe(SessionsListParams);
    expect(methodDefinition("config.get")?.params).toBe(ConfigGetParams);
  });

  test("is undefined for known methods without a schema, unknown names and prototype keys", () => {
    for (const method of ["health", "no.such", "constructor", "__proto__", "toString"]) {
      expect([method, methodDefinition(method)]).toEqual([method, undefined]);
    }
  });

  test("registry params schemas are strict, as the original's are", () => {
    // The smallest valid params of methods with required fields; every other method takes {}.
    const minimal: Record<string, Record<string, unknown>> = {
      "sessions.preview": { keys: ["main"] },
      "sessions.patch": { key: "main" },
      "sessions.reset": { key: "main" },
      "sessions.delete": { key: "x" },
      "sessions.compact": { key: "main" },
      "chat.history": { sessionKey: "main" },
      "chat.send": { sessionKey: "main", message: "hi", idempotencyKey: "k1" },
      "chat.abort": { sessionKey: "main" },
      "chat.inject": { sessionKey: "main", message: "hi" },
      agent: { message: "hi", idempotencyKey: "k1" },
      "agent.wait": { runId: "r1" },
      "config.set": { raw: "{}" },
      "config.patch": { raw: "{}" },
      "config.apply": { raw: "{}" },
      "config.override.set": { path: "gateway.port", value: 1 },
      "plugins.info": { id: "voicewake" },
      "plugins.enable": { id: "voicewake" },
      "plugins.disable": { id: "voicewake" },
      "device.pair.approve": { requestId: "req-1" },
      "device.pair.reject": { requestId: "req-1" },
      "device.token.rotate": { deviceId: "d1", role: "operator" },
      "device.token.revoke": { deviceId: "d1", role: "operator" },
      "events.replay": { sinceSeq: 0 },
    };
    for (const [method, def] of Object.entries(methods)) {
      const valid = minimal[method] ?? {};
      expect([method, def.params.safeParse({ ...valid, definitelyNotAParam: 1 }).success]).toEqual([method, false]);
      expect([method, def.params.safeParse(valid).success]).toEqual([method, true]);
    }
  });
});
