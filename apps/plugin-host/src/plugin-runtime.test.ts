import { join } from "node:path";
import type { HandlerContext } from "@clawdbot/nats-rpc";
import { GatewayError } from "@clawdbot/protocol";
import { createLogger } from "@clawdbot/runtime";
import { NatsError } from "nats";
import { afterEach, describe, expect, test } from "vitest";
import type { PluginPlan } from "./catalog.js";
import type { PluginStorageBackend } from "./plugin-state-store.js";
import { PluginRuntime, type RuntimeDeps } from "./plugin-runtime.js";
import type { PluginHostSettings } from "./settings.js";
import { scratchDir } from "./test-plugins.fixture.js";

// Real worker threads running real plugin files; only NATS is left out (storage in memory,
// events collected).

const log = createLogger({ service: "plugin-host-test", level: "silent" });
const settings: PluginHostSettings = {
  callTimeoutMs: 1_000,
  // Generous: a worker starting on a loaded 2-core machine can take seconds; no test here waits it out.
  loadTimeoutMs: 20_000,
  scanIntervalMs: 1_000,
  configPollMs: 1_000,
  maxHeapMb: 64,
  maxCrashes: 2,
  crashWindowMs: 60_000,
  bundledDir: undefined,
};
const context = { requestId: "req-1", method: "x", scopes: ["operator.admin"], accept: () => undefined, log } as unknown as HandlerContext;
const running: PluginRuntime[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop("test over")));
});

class MemoryStorage implements PluginStorageBackend {
  readonly values = new Map<string, string>();
  async get(pluginId: string, key: string) {
    return this.values.get(`${pluginId}.${key}`);
  }
  async set(pluginId: string, key: string, json: string) {
    this.values.set(`${pluginId}.${key}`, json);
  }
  async delete(pluginId: string, key: string) {
    this.values.delete(`${pluginId}.${key}`);
  }
}

function plan(id: string, source: string, pluginConfig: Record<string, unknown> = {}): PluginPlan {
  return {
    id,
    origin: "global",
    source,
    rootDir: join(source, ".."),
    manifest: { id, configSchema: {} },
    manifestPath: undefined,
    schemaKey: "",
    fingerprint: source,
    enabled: true,
    reason: undefined,
    error: undefined,
    configIssues: [],
    pluginConfig,
  };
}

async function start(source: string, options: { pluginConfig?: Record<string, unknown>; deps?: Partial<RuntimeDeps> } = {}) {
  const events: { event: string; payload: unknown; dropIfSlow: boolean }[] = [];
  const serving: string[] = [];
  const storage = new MemoryStorage();
  const runtime = new PluginRuntime(plan("demo", source, options.pluginConfig), { some: "config" }, "/tmp", {
    log,
    settings,
    instanceId: "host-1",
    sdkUrl: import.meta.resolve("@clawdbot/plugin-sdk"),
    stateDir: "/tmp",
    logLevel: "silent",
    storage,
    publish: (event, payload, dropIfSlow) => events.push({ event, payload, dropIfSlow }),
    onServingChanged: (r) => serving.push(r.state),
    ...options.deps,
  });
  running.push(runtime);
  await runtime.start();
  return { runtime, events, serving, storage };
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error("expected a rejection");
}

describe("PluginRuntime - one plugin in its own worker", () => {
  test("a storage call NATS could not serve in time fails the method retryably; other storage errors do not", async () => {
    const { write } = scratchDir();
    const source = write("index.mjs", 'export default (api) => api.registerGatewayMethod("t.read", () => api.storage.get("k"));');
    let failure: Error = new NatsError("TIMEOUT", "TIMEOUT");
    const storage: PluginStorageBackend = {
      get: () => Promise.reject(failure),
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(),
    };
    const { runtime } = await start(source, { deps: { storage } });
    expect(await rejection(runtime.call("t.read", {}, context))).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    failure = new Error("value is not JSON");
    const hard = await rejection(runtime.call("t.read", {}, context));
    expect(hard).toMatchObject({ code: "UNAVAILABLE" });
    expect(hard.retryable).not.toBe(true);
  });

  test("a TypeScript plugin: methods with scopes, storage, events, services and hooks through the SDK", async () => {
    const { write } = scratchDir();
    write("lib.ts", "export const twice = (n: number): number => n * 2;");
    const source = write(
      "index.ts",
      `import { definePlugin, GatewayMethodError } from "@clawdbot/plugin-sdk";
       import { twice } from "./lib.js";
       let started = 0;
       export default definePlugin<{ factor?: number }>({
         register(api) {
           api.registerService({ id: "counter", start: () => { started++; } });
           api.on("gateway_start", ({ instanceId }) => api.publishEvent("demo.started", { instanceId, started }, { dropIfSlow: true }));
           api.registerGatewayMethod("demo.twice", (p: { n: number }, ctx) => ({ value: twice(p.n), who: ctx.requestId }), { scope: "operator.read" });
           api.registerGatewayMethod("demo.refuse", () => { throw new GatewayMethodError("INVALID_REQUEST", "nope", { details: { why: 1 } }); });
           api.registerGatewayMethod("demo.store", async (p: { v: unknown }) => { await api.storage.set("k", p.v); return api.storage.get("k"); }, { scope: "write" });
         },
       });`,
    );
    const { runtime, events, serving, storage } = await start(source);
    expect(runtime.state).toBe("loaded");
    expect(serving).toEqual(["loaded"]);
    expect(runtime.methods).toEqual([
      { name: "demo.twice", scope: "read" },
      { name: "demo.refuse", scope: "admin" },
      { name: "demo.store", scope: "write" },
    ]);
    expect(runtime.services).toEqual(["counter"]);
    expect(events).toEqual([{ event: "demo.started", payload: { instanceId: "host-1", started: 1 }, dropIfSlow: true }]);
    expect(await runtime.call("demo.twice", { n: 21 }, context)).toEqual({ value: 42, who: "req-1" });
    const refused = await rejection(runtime.call("demo.refuse", {}, context));
    expect(refused.toShape()).toEqual({ code: "INVALID_REQUEST", message: "nope", details: { why: 1 } });
    expect(await runtime.call("demo.store", { v: { a: [1] } }, context)).toEqual({ a: [1] });
    expect(storage.values.get("demo.k")).toBe('{"a":[1]}');
  });

  test("a plugin that throws while loading is errored with the cause and serves nothing", async () => {
    const { write } = scratchDir();
    const source = write("index.mjs", 'throw new Error("kaboom");');
    const { runtime, serving } = await start(source);
    expect(runtime.state).toBe("errored");
    expect(runtime.error).toBe("failed to load plugin: kaboom");
    expect(serving).toEqual(["errored"]);
    const err = await rejection(runtime.call("anything", {}, context));
    expect(err.message).toBe("plugin demo is not running: failed to load plugin: kaboom");
  });

  test("register that throws, or no register at all, is a load error", async () => {
    const { write } = scratchDir();
    const throwing = await start(write("a.mjs", 'export default { register() { throw new Error("bad register"); } };'));
    expect(throwing.runtime.error).toBe("plugin register failed: bad register");
    const empty = await start(write("b.mjs", "export const nothing = 1;"));
    expect(empty.runtime.error).toBe("plugin export has no register or activate function");
    const badScope = await start(write("c.mjs", 'export default (api) => api.registerGatewayMethod("x.y", () => 1, { scope: "root" });'));
    expect(badScope.runtime.error).toMatch(/^plugin register failed: unknown scope "root"/);
  });

  test("a handler that throws answers UNAVAILABLE with its message, and the plugin keeps serving", async () => {
    const { write } = scratchDir();
    const source = write("index.cjs", 'module.exports = (api) => { api.registerGatewayMethod("t.boom", () => { throw new Error("boom"); }); api.registerGatewayMethod("t.ok", () => "ok"); };');
    const { runtime } = await start(source);
    const err = await rejection(runtime.call("t.boom", {}, context));
    expect(err.toShape()).toEqual({ code: "UNAVAILABLE", message: "boom" });
    expect(await runtime.call("t.ok", {}, context)).toBe("ok");
    expect(runtime.restarts).toBe(0);
  });

  test("a result JSON cannot carry is an error, not a crash", async () => {
    const { write } = scratchDir();
    const source = write("index.mjs", 'export default (api) => api.registerGatewayMethod("t.big", () => 10n);');
    const { runtime } = await start(source);
    expect((await rejection(runtime.call("t.big", {}, context))).code).toBe("UNAVAILABLE");
    expect(runtime.state).toBe("loaded");
  });

  test("a call that blocks the event loop times out UNAVAILABLE, the worker is restarted, and the restarted worker answers", async () => {
    const { write } = scratchDir();
    const source = write(
      "index.mjs",
      'export default (api) => { api.registerGatewayMethod("t.spin", () => { for (;;) {} }); api.registerGatewayMethod("t.ok", () => "ok"); };',
    );
    // Long enough for a restart from source (tsx in the worker) to fit in one call's wait.
    // (8 s: a worker restart on a busy 2-core machine can take several seconds.)
    const { runtime, serving } = await start(source, { deps: { settings: { ...settings, callTimeoutMs: 8_000 } } });
    const err = await rejection(runtime.call("t.spin", {}, context));
    expect(err.toShape()).toMatchObject({ code: "UNAVAILABLE", retryable: true, message: "plugin demo: t.spin did not answer within 8000 ms; its worker is restarted" });
    expect(runtime.restarts).toBe(1);
    // A call made during the restart waits for the new worker.
    expect(await runtime.call("t.ok", {}, context)).toBe("ok");
    expect(serving).toEqual(["loaded", "loaded"]);
  });

  test("a plugin that runs out of its heap limit takes only its own worker down, which is restarted", async () => {
    const { write } = scratchDir();
    const source = write(
      "index.mjs",
      'const hog = []; export default (api) => { api.registerGatewayMethod("t.hog", () => { for (;;) hog.push(new Array(1e6).fill(Math.random())); }); api.registerGatewayMethod("t.ok", () => "ok"); };',
    );
    const { runtime } = await start(source, { deps: { settings: { ...settings, callTimeoutMs: 20_000 } } });
    const err = await rejection(runtime.call("t.hog", {}, context));
    expect(err.toShape()).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    expect(err.message).toMatch(/worker failed \(worker error: .*memory/i);
    expect(await runtime.call("t.ok", {}, context)).toBe("ok");
    expect(runtime.restarts).toBe(1);
  });

  test("a worker that keeps failing uses up its crash budget and stays errored", async () => {
    const { write } = scratchDir();
    const source = write("index.mjs", 'export default (api) => api.registerGatewayMethod("t.exit", () => process.exit(3));');
    const { runtime } = await start(source);
    for (let i = 0; i < 3; i++) {
      await expect.poll(() => runtime.state, { timeout: 10_000 }).not.toBe("loading");
      await rejection(runtime.call("t.exit", {}, context));
    }
    expect(runtime.state).toBe("errored");
    expect(runtime.error).toMatch(/^worker failed 3 times within 60000 ms; not restarted \(last: worker exited with code 3\)$/);
  });

  test("an unhandled rejection is reported, not fatal", async () => {
    const { write } = scratchDir();
    const source = write("index.mjs", 'export default (api) => api.registerGatewayMethod("t.leak", () => { Promise.reject(new Error("leaked")); return 1; });');
    const { runtime } = await start(source);
    expect(await runtime.call("t.leak", {}, context)).toBe(1);
    await expect.poll(() => runtime.diagnostics.map((d) => d.message)).toContain("unhandled rejection: leaked");
    expect(await runtime.call("t.leak", {}, context)).toBe(1);
    expect(runtime.restarts).toBe(0);
  });

  test("config changes: applied in place through config_changed, or by a restart without it", async () => {
    const { write } = scratchDir();
    const hooked = await start(
      write(
        "hooked.mjs",
        'export default (api) => { let seen = []; api.on("config_changed", (e) => { seen.push(e.pluginConfig.n); }); api.registerGatewayMethod("h.seen", () => ({ seen, now: api.pluginConfig.n })); };',
      ),
      { pluginConfig: { n: 1 } },
    );
    await hooked.runtime.applyConfig(plan("demo", hooked.runtime.plan.source, { n: 2 }), { some: "config" }, "/tmp");
    await expect.poll(() => hooked.runtime.call("h.seen", {}, context)).toEqual({ seen: [2], now: 2 });
    expect(hooked.runtime.restarts).toBe(0);

    const plain = await start(write("plain.mjs", 'export default (api) => api.registerGatewayMethod("p.n", () => api.pluginConfig.n);'), { pluginConfig: { n: 1 } });
    await plain.runtime.applyConfig(plan("demo", plain.runtime.plan.source, { n: 2 }), { some: "config" }, "/tmp");
    expect(plain.runtime.state).toBe("loaded");
    expect(await plain.runtime.call("p.n", {}, context)).toBe(2);
  });

  test("stop runs gateway_stop and the services' stop, then ends the worker", async () => {
    const { write } = scratchDir();
    const source = write(
      "index.mjs",
      'export default (api) => { api.registerService({ start() {}, stop() { api.publishEvent("s.stopped", {}); } }); api.on("gateway_stop", ({ reason }) => api.publishEvent("s.bye", { reason })); };',
    );
    const { runtime, events } = await start(source);
    await runtime.stop("disabled");
    expect(events.map((e) => e.event)).toEqual(["s.bye", "s.stopped"]);
    expect((await rejection(runtime.call("x", {}, context))).message).toMatch(/^plugin demo is not running/);
  });
});
