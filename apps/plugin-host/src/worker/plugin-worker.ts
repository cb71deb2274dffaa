import { register } from "node:module";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { GatewayMethodError, type MethodContext, type PluginRegister, isGatewayMethodError } from "@clawdbot/plugin-sdk";
import { createLogger } from "@clawdbot/runtime";
import type { LoaderHooksData } from "./loader-hooks.js";
import type { CallContext, HostToWorker, WireError, WorkerInit, WorkerToHost } from "./messages.js";
import { type HostLink, Registrations, createPluginApi } from "./plugin-api.js";

// One plugin per worker thread. Everything the plugin does reaches the host as a message; if the
// plugin wedges this thread, the host notices by the missing answer and terminates it.

const init = workerData as WorkerInit;
const port = parentPort!;
const log = createLogger({ service: "plugin-host", level: init.logLevel, bindings: { plugin: init.pluginId } });

function post(message: WorkerToHost): void {
  port.postMessage(message);
}

// The original exits the whole gateway on these; here they stay inside this plugin.
process.on("unhandledRejection", (reason) => {
  log.error({ err: reason }, "unhandled rejection in plugin");
  post({ type: "diagnostic", level: "error", message: `unhandled rejection: ${describe(reason)}` });
});
process.on("uncaughtException", (err) => {
  log.error({ err }, "uncaught exception in plugin: its worker ends and is restarted");
  post({ type: "diagnostic", level: "error", message: `uncaught exception: ${describe(err)}` });
  process.exit(1);
});

const hooksExt = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
register<LoaderHooksData>(new URL(`./loader-hooks${hooksExt}`, import.meta.url), { data: { sdkUrl: init.sdkUrl } });

let nextStorageRequest = 0;
const storageRequests = new Map<number, { resolve: (json: string | undefined) => void; reject: (err: Error) => void }>();

const link: HostLink = {
  publish: (event, json, dropIfSlow) => post({ type: "event", event, json, dropIfSlow }),
  storage: (op, key, json) =>
    new Promise((resolve, reject) => {
      const requestId = nextStorageRequest++;
      storageRequests.set(requestId, { resolve, reject });
      post(op === "set" ? { type: "storage", requestId, op, key, json: json ?? "null" } : { type: "storage", requestId, op, key });
    }),
  diagnostic: (level, message) => post({ type: "diagnostic", level, message }),
};

const registrations = new Registrations();
const live = createPluginApi(init, registrations, link, log);
const startedServices: typeof registrations.services = [];

port.on("message", (message: HostToWorker) => void onMessage(message));
await loadPlugin();

async function loadPlugin(): Promise<void> {
  let mod: unknown;
  try {
    mod = await import(pathToFileURL(init.source).href);
  } catch (err) {
    post({ type: "load-error", message: `failed to load plugin: ${describe(err)}` });
    return;
  }
  const registerFn = resolveRegister(mod);
  if (!registerFn) {
    post({ type: "load-error", message: "plugin export has no register or activate function" });
    return;
  }
  try {
    // Unlike the original, an async register is awaited (bounded by the host's load timeout).
    await registerFn(live.api);
  } catch (err) {
    post({ type: "load-error", message: `plugin register failed: ${describe(err)}` });
    return;
  }
  registrations.seal();
  post({
    type: "registered",
    methods: [...registrations.methods].map(([name, m]) => ({ name, scope: m.scope })),
    services: registrations.services.map((s, i) => s.id ?? `service-${i + 1}`),
    hooks: registrations.hookNames(),
  });
}

/** `default` or the module itself, as a function `register(api)` or an object with `register`/`activate`. */
function resolveRegister(mod: unknown): PluginRegister | undefined {
  const candidates = [(mod as { default?: unknown })?.default, mod];
  const nested = (candidates[0] as { default?: unknown } | undefined)?.default;
  if (nested) candidates.unshift(nested);
  for (const candidate of candidates) {
    if (typeof candidate === "function") return candidate as PluginRegister;
    if (candidate && typeof candidate === "object") {
      const def = candidate as { register?: unknown; activate?: unknown };
      const fn = def.register ?? def.activate;
      if (typeof fn === "function") return (api) => (fn as PluginRegister).call(def, api);
    }
  }
  return undefined;
}

async function onMessage(message: HostToWorker): Promise<void> {
  switch (message.type) {
    case "call":
      return call(message.callId, message.method, message.params, message.context);
    case "start":
      for (const service of registrations.services) {
        try {
          await service.start(live.serviceContext());
          startedServices.push(service);
        } catch (err) {
          log.error({ err, service: service.id }, "plugin service failed to start; skipped");
          post({ type: "diagnostic", level: "error", message: `service ${service.id ?? "(unnamed)"} failed to start: ${describe(err)}` });
        }
      }
      await registrations.runHook("gateway_start", { instanceId: message.instanceId }, log);
      return post({ type: "started" });
    case "stop":
      await registrations.runHook("gateway_stop", { reason: message.reason }, log);
      for (const service of startedServices.splice(0).reverse()) {
        try {
          await service.stop?.(live.serviceContext());
        } catch (err) {
          log.warn({ err, service: service.id }, "plugin service failed to stop");
        }
      }
      return post({ type: "stopped" });
    case "config": {
      const previousPluginConfig = live.api.pluginConfig;
      live.update(message.config, message.pluginConfig);
      await registrations.runHook("config_changed", { config: message.config, pluginConfig: message.pluginConfig, previousPluginConfig }, log);
      return post({ type: "config-applied" });
    }
    case "storage-result": {
      const pending = storageRequests.get(message.requestId);
      storageRequests.delete(message.requestId);
      if (message.ok) pending?.resolve(message.value);
      // A plugin that lets a transient storage failure through answers UNAVAILABLE retryable, not a hard error.
      else if (message.transient) pending?.reject(new GatewayMethodError("UNAVAILABLE", message.message, { retryable: true, retryAfterMs: 1_000 }));
      else pending?.reject(new Error(message.message));
      return;
    }
    case "ping":
      return post({ type: "pong", n: message.n });
  }
}

async function call(callId: number, method: string, params: unknown, context: CallContext): Promise<void> {
  const entry = registrations.methods.get(method);
  if (!entry) {
    post({ type: "result", callId, ok: false, error: { code: "UNAVAILABLE", message: `plugin ${init.pluginId} does not serve ${method}` } });
    return;
  }
  const ctx: MethodContext = { ...context, method, log: log.child({ requestId: context.requestId, method }) };
  try {
    const result: unknown = await entry.handler(params ?? {}, ctx);
    post({ type: "result", callId, ok: true, json: JSON.stringify(result ?? null) });
  } catch (err) {
    if (!isGatewayMethodError(err)) ctx.log.error({ err }, "plugin method failed");
    post({ type: "result", callId, ok: false, error: toWireError(err) });
  }
}

/** A GatewayMethodError keeps its code; anything else answers UNAVAILABLE with its message (spec §5.1). */
function toWireError(err: unknown): WireError {
  if (!isGatewayMethodError(err)) return { code: "UNAVAILABLE", message: describe(err) || "plugin method failed" };
  const error: WireError = { code: err.code, message: err.message };
  if (err.details !== undefined) {
    try {
      error.details = JSON.parse(JSON.stringify(err.details)) as unknown;
    } catch {
      // details that JSON cannot carry are left out
    }
  }
  if (err.retryable !== undefined) error.retryable = err.retryable;
  if (err.retryAfterMs !== undefined) error.retryAfterMs = err.retryAfterMs;
  return error;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
