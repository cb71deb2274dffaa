import { Worker } from "node:worker_threads";
import { GatewayError, type PluginDiagnostic, type PluginState, unavailable } from "@clawdbot/protocol";
import { type HandlerContext, isTransientNatsError } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { PluginPlan } from "./catalog.js";
import type { PluginStorageBackend } from "./plugin-state-store.js";
import type { PluginHostSettings } from "./settings.js";
import type { HostToWorker, RegisteredMethod, WorkerInit, WorkerToHost } from "./worker/messages.js";

const workerExt = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER_URL = new URL(`./worker/plugin-worker${workerExt}`, import.meta.url);
const MAX_DIAGNOSTICS = 20;

/**
 * The worker's entry. From source (`pnpm dev`, unit tests) it is TypeScript too, and a worker
 * does not inherit its parent's tsx hooks: a two-line bootstrap registers tsx first.
 */
function workerEntry(): { entry: string | URL; eval: boolean } {
  if (workerExt !== ".ts") return { entry: WORKER_URL, eval: false };
  const tsx = import.meta.resolve("tsx/esm/api");
  return { entry: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`, eval: true };
}

export interface RuntimeDeps {
  log: Logger;
  settings: PluginHostSettings;
  instanceId: string;
  sdkUrl: string;
  stateDir: string;
  logLevel: string;
  storage: PluginStorageBackend;
  publish: (event: string, payload: unknown, dropIfSlow: boolean) => void;
  /** The set of methods it serves may have changed: loaded after a (re)start, or errored, or stopped. */
  onServingChanged: (runtime: PluginRuntime) => void;
}

interface PendingCall {
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: GatewayError) => void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  types: readonly WorkerToHost["type"][];
  resolve: (message: WorkerToHost) => void;
  reject: (err: Error) => void;
}

/**
 * One enabled plugin running in its own worker thread, and everything the host does with it:
 * load with a deadline, calls with a deadline, restart after a crash or a hung call (with a
 * crash budget), a health ping that catches a blocked event loop between calls, graceful stop.
 */
export class PluginRuntime {
  readonly id: string;
  plan: PluginPlan;
  state: PluginState | "stopped" = "loading";
  error: string | undefined;
  methods: RegisteredMethod[] = [];
  services: string[] = [];
  hooks: string[] = [];
  restarts = 0;
  readonly diagnostics: PluginDiagnostic[] = [];
  readonly #deps: RuntimeDeps;
  readonly #log: Logger;
  #config: Record<string, unknown>;
  #workspaceDir: string;
  #worker: Worker | undefined;
  /** Messages and exits of a worker that was replaced are ignored. */
  #generation = 0;
  #nextCallId = 0;
  readonly #pending = new Map<number, PendingCall>();
  readonly #waiters = new Set<Waiter>();
  #readyWaiters: { resolve: () => void; timer: NodeJS.Timeout }[] = [];
  #crashTimes: number[] = [];
  #watchdog: NodeJS.Timeout | undefined;
  #pingOutstanding = false;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(plan: PluginPlan, config: Record<string, unknown>, workspaceDir: string, deps: RuntimeDeps) {
    this.id = plan.id;
    this.plan = plan;
    this.#config = config;
    this.#workspaceDir = workspaceDir;
    this.#deps = deps;
    this.#log = deps.log.child({ plugin: plan.id });
  }

  /** Loads and starts the plugin; resolves once it is loaded or errored, never rejects. */
  async start(): Promise<void> {
    await this.#spawn();
  }

  /** Forwards one call; answers UNAVAILABLE when the plugin is not running or does not answer in time. */
  async call(method: string, params: unknown, context: HandlerContext): Promise<unknown> {
    if (this.state === "loading") await this.#waitReady();
    const worker = this.#worker;
    if (this.state !== "loaded" || !worker) {
      const why = this.state === "loading" ? "is still starting" : `is not running${this.error ? `: ${this.error}` : ""}`;
      throw unavailable(`plugin ${this.id} ${why}`, { details: { plugin: this.id, method } });
    }
    const callId = ++this.#nextCallId;
    const timeoutMs = this.#deps.settings.callTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(callId);
        reject(unavailable(`plugin ${this.id}: ${method} did not answer within ${timeoutMs} ms; its worker is restarted`, { details: { plugin: this.id, method } }));
        this.#crashed(`${method} did not answer within ${timeoutMs} ms`);
      }, timeoutMs);
      this.#pending.set(callId, { method, resolve, reject, timer });
      this.#post(worker, {
        type: "call",
        callId,
        method,
        params,
        context: {
          requestId: context.requestId,
          scopes: context.scopes ?? [],
          ...(context.connId !== undefined ? { connId: context.connId } : {}),
          ...(context.edgeId !== undefined ? { edgeId: context.edgeId } : {}),
          ...(context.clientId !== undefined ? { clientId: context.clientId } : {}),
          ...(context.clientMode !== undefined ? { clientMode: context.clientMode } : {}),
          ...(context.role !== undefined ? { role: context.role } : {}),
        },
      });
    });
  }

  /**
   * A new config. The plugin applies it itself when it has a `config_changed` hook; otherwise a
   * change of its own config restarts its worker, and other changes only refresh `api.config`.
   */
  async applyConfig(plan: PluginPlan, config: Record<string, unknown>, workspaceDir: string): Promise<void> {
    const ownChanged = JSON.stringify(plan.pluginConfig) !== JSON.stringify(this.plan.pluginConfig);
    const anyChanged = ownChanged || JSON.stringify(config) !== JSON.stringify(this.#config);
    this.plan = plan;
    this.#config = config;
    this.#workspaceDir = workspaceDir;
    if (!anyChanged || this.state !== "loaded" || !this.#worker) return;
    if (ownChanged && !this.hooks.includes("config_changed")) {
      this.#log.info("plugin config changed: restarting its worker");
      this.state = "loading";
      await this.#stopWorker("config changed");
      await this.#spawn();
      return;
    }
    this.#post(this.#worker, { type: "config", config, pluginConfig: plan.pluginConfig ?? {} });
  }

  async stop(reason: string): Promise<void> {
    const wasLoaded = this.state === "loaded";
    this.state = "stopped";
    clearTimeout(this.#restartTimer);
    if (wasLoaded) await this.#stopWorker(reason);
    else {
      // A load in progress ends here; its pending waits are released, not left to time out.
      this.#generation++;
      this.#terminate();
      for (const waiter of this.#waiters) waiter.reject(new Error(`plugin stopped (${reason})`));
      this.#waiters.clear();
    }
    this.#failPending(`plugin ${this.id} stopped (${reason})`);
    this.#releaseReadyWaiters();
  }

  async #spawn(): Promise<void> {
    const generation = ++this.#generation;
    this.state = "loading";
    this.error = undefined;
    const init: WorkerInit = {
      pluginId: this.id,
      name: this.plan.manifest?.name ?? this.id,
      version: this.plan.manifest?.version,
      description: this.plan.manifest?.description,
      source: this.plan.source,
      rootDir: this.plan.rootDir,
      stateDir: this.#deps.stateDir,
      workspaceDir: this.#workspaceDir,
      config: this.#config,
      pluginConfig: this.plan.pluginConfig ?? {},
      logLevel: this.#deps.logLevel,
      sdkUrl: this.#deps.sdkUrl,
    };
    const heap = this.#deps.settings.maxHeapMb;
    let worker: Worker;
    try {
      const { entry, eval: isEval } = workerEntry();
      worker = new Worker(entry, {
        eval: isEval,
        workerData: init,
        name: `plugin:${this.id}`,
        resourceLimits: { maxOldGenerationSizeMb: heap, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, heap / 4)), stackSizeMb: 4 },
      });
    } catch (err) {
      return this.#fail(`cannot start a worker: ${(err as Error).message}`);
    }
    this.#worker = worker;
    worker.on("message", (message: WorkerToHost) => {
      if (generation === this.#generation) this.#onMessage(worker, message);
    });
    worker.on("error", (err) => {
      if (generation === this.#generation) this.#onWorkerGone(`worker error: ${err.message}`);
    });
    worker.on("exit", (code) => {
      if (generation === this.#generation) this.#onWorkerGone(`worker exited with code ${code}`);
    });

    const loadTimeoutMs = this.#deps.settings.loadTimeoutMs;
    try {
      const loaded = await this.#expect(["registered", "load-error"], loadTimeoutMs, "load");
      if (loaded.type === "load-error") return this.#fail(loaded.message);
      if (loaded.type === "registered") {
        this.methods = loaded.methods;
        this.services = loaded.services;
        this.hooks = loaded.hooks;
      }
      this.#post(worker, { type: "start", instanceId: this.#deps.instanceId });
      await this.#expect(["started"], loadTimeoutMs, "starting services");
    } catch (err) {
      if (generation !== this.#generation) return;
      return this.#fail((err as Error).message);
    }
    if (generation !== this.#generation) return;
    this.state = "loaded";
    this.#log.info({ methods: this.methods.map((m) => m.name), services: this.services, restarts: this.restarts }, "plugin loaded");
    this.#startWatchdog(worker);
    this.#deps.onServingChanged(this);
    this.#releaseReadyWaiters();
  }

  /** Load failed for good (it would fail the same way again): errored until its files or config change. */
  #fail(message: string): void {
    this.#log.error({ error: message }, "plugin failed to load");
    this.state = "errored";
    this.error = message;
    this.#terminate();
    this.#failPending(`plugin ${this.id} failed: ${message}`);
    this.#deps.onServingChanged(this);
    this.#releaseReadyWaiters();
  }

  #onMessage(worker: Worker, message: WorkerToHost): void {
    switch (message.type) {
      case "result": {
        const pending = this.#pending.get(message.callId);
        if (!pending) return; // answered after its deadline
        this.#pending.delete(message.callId);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(JSON.parse(message.json));
        else {
          const { code, message: text, ...rest } = message.error;
          pending.reject(new GatewayError(code, text, rest));
        }
        return;
      }
      case "event":
        try {
          this.#deps.publish(message.event, message.json === "" ? undefined : JSON.parse(message.json), message.dropIfSlow);
        } catch (err) {
          this.#log.warn({ err, event: message.event }, "publishing a plugin event failed");
        }
        return;
      case "storage":
        void this.#storage(worker, message);
        return;
      case "diagnostic":
        this.#diagnostic(message.level, message.message);
        return;
      case "pong":
        this.#pingOutstanding = false;
        return;
      default:
        for (const waiter of this.#waiters) {
          if (waiter.types.includes(message.type)) {
            this.#waiters.delete(waiter);
            waiter.resolve(message);
          }
        }
    }
  }

  async #storage(worker: Worker, message: Extract<WorkerToHost, { type: "storage" }>): Promise<void> {
    const { storage } = this.#deps;
    let reply: HostToWorker;
    try {
      let value: string | undefined;
      if (message.op === "get") value = await storage.get(this.id, message.key);
      else if (message.op === "set") await storage.set(this.id, message.key, message.json);
      else await storage.delete(this.id, message.key);
      reply = { type: "storage-result", requestId: message.requestId, ok: true, ...(value !== undefined ? { value } : {}) };
    } catch (err) {
      const transient = isTransientNatsError(err) || isTransientNatsError((err as Error).cause);
      reply = { type: "storage-result", requestId: message.requestId, ok: false, message: `storage ${message.op} failed: ${(err as Error).message}`, ...(transient ? { transient } : {}) };
    }
    if (worker === this.#worker) this.#post(worker, reply);
  }

  #onWorkerGone(reason: string): void {
    for (const waiter of this.#waiters) waiter.reject(new Error(`plugin worker ended while loading: ${reason}`));
    this.#waiters.clear();
    if (this.state === "loaded") this.#crashed(reason);
  }

  /**
   * The worker crashed or wedged: fail what it had in hand, end it, and start it again after a
   * short backoff, unless it used up its crash budget.
   */
  #crashed(reason: string): void {
    if (this.state !== "loaded") return;
    this.#log.error({ reason }, "plugin worker failed: restarting it");
    this.#diagnostic("error", `worker restarted: ${reason}`);
    this.#generation++;
    this.#terminate();
    this.#failPending(`plugin ${this.id} worker failed (${reason}); it is being restarted`);
    const now = Date.now();
    const { maxCrashes, crashWindowMs } = this.#deps.settings;
    this.#crashTimes = [...this.#crashTimes.filter((t) => now - t < crashWindowMs), now];
    if (this.#crashTimes.length > maxCrashes) {
      this.#fail(`worker failed ${this.#crashTimes.length} times within ${crashWindowMs} ms; not restarted (last: ${reason})`);
      return;
    }
    this.restarts++;
    this.state = "loading";
    const backoff = Math.min(5_000, 100 * 2 ** (this.#crashTimes.length - 1));
    this.#restartTimer = setTimeout(() => void this.#spawn(), backoff);
  }

  /** Asks the plugin to stop (gateway_stop, services), then ends the worker whatever it answers. */
  async #stopWorker(reason: string): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#stopWatchdog();
    this.#post(worker, { type: "stop", reason });
    try {
      // Short: the host's own graceful stop (15 s) has to fit every plugin's.
      await this.#expect(["stopped"], Math.min(5_000, this.#deps.settings.loadTimeoutMs), "stopping");
    } catch (err) {
      this.#log.warn({ err }, "plugin did not stop in time; terminating its worker");
    }
    this.#generation++;
    this.#terminate();
  }

  #terminate(): void {
    this.#stopWatchdog();
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) void worker.terminate();
  }

  /** Between calls, a blocked event loop shows as a ping left unanswered for a whole call timeout. */
  #startWatchdog(worker: Worker): void {
    this.#stopWatchdog();
    this.#pingOutstanding = false;
    let n = 0;
    this.#watchdog = setInterval(() => {
      // With calls in hand, their own deadlines catch a wedged worker, and say which call did it.
      if (this.#pending.size > 0) return;
      if (this.#pingOutstanding) {
        this.#crashed(`no answer to a health ping within ${this.#deps.settings.callTimeoutMs} ms (event loop blocked)`);
        return;
      }
      this.#pingOutstanding = true;
      this.#post(worker, { type: "ping", n: n++ });
    }, this.#deps.settings.callTimeoutMs);
    this.#watchdog.unref();
  }

  #stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #expect(types: readonly WorkerToHost["type"][], timeoutMs: number, what: string): Promise<WorkerToHost> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`plugin ${what} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        types,
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Calls that arrive while the worker (re)starts wait for it, at most one call timeout. */
  #waitReady(): Promise<void> {
    return new Promise((resolve) => {
      const entry = { resolve, timer: setTimeout(() => resolve(), this.#deps.settings.callTimeoutMs) };
      this.#readyWaiters.push(entry);
    });
  }

  #releaseReadyWaiters(): void {
    for (const waiter of this.#readyWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  #failPending(message: string): void {
    for (const [callId, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(callId);
      pending.reject(unavailable(message, { details: { plugin: this.id, method: pending.method } }));
    }
  }

  #post(worker: Worker, message: HostToWorker): void {
    try {
      worker.postMessage(message);
    } catch (err) {
      this.#log.warn({ err, type: message.type }, "cannot post to plugin worker");
    }
  }

  #diagnostic(level: "warn" | "error", message: string): void {
    this.diagnostics.push({ level, message, pluginId: this.id });
    if (this.diagnostics.length > MAX_DIAGNOSTICS) this.diagnostics.shift();
  }
}
