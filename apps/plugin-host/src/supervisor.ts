import {
  type GatewayError,
  type PluginDiagnostic,
  type PluginInfo,
  type PluginSummary,
  invalidRequest,
  isKnownMethod,
  isRoutableMethod,
} from "@clawdbot/protocol";
import type { RpcServer } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import * as z from "zod";
import { type Catalog, type PluginPlan, buildCatalog, planFor } from "./catalog.js";
import type { PluginConfigValidator } from "./config-validation.js";
import type { ManifestPublisher } from "./manifest-publisher.js";
import type { ConfigView } from "./plugin-config-source.js";
import { PluginRuntime, type RuntimeDeps } from "./plugin-runtime.js";
import { resolveUserPath, resolveWorkspaceDir } from "./plugins-config.js";

/** Plugin methods pass params through untouched: the plugin validates its own (as voicewake.set must, for the original's message). */
const AnyParams = z.unknown();

/** Methods the gateway's own services and edges answer: no plugin may take them over, bundled or not. */
const RESERVED_METHODS = new Set(["connect", "health", "status", "system-presence", "system-event", "agent", "models.list"]);
const RESERVED_PREFIXES = ["plugins.", "config.", "sessions.", "chat.", "agent.", "agents."];

export interface SupervisorOptions {
  server: RpcServer;
  log: Logger;
  validator: PluginConfigValidator;
  manifests: ManifestPublisher;
  stateDir: string;
  bundledDir: string | undefined;
  runtime: Omit<RuntimeDeps, "onServingChanged">;
}

/**
 * Keeps the running plugins in line with the config and the plugin directories: starts what is
 * enabled and valid, stops what is not, restarts what changed on disk, hands config changes on.
 * It owns which plugin serves which method on the bus, and answers `plugins.list` / `plugins.info`.
 */
export class PluginSupervisor {
  readonly #options: SupervisorOptions;
  readonly #log: Logger;
  readonly #runtimes = new Map<string, PluginRuntime>();
  /** method → plugin id serving it from this replica */
  readonly #owners = new Map<string, string>();
  /** method → the scope it is registered with on the bus */
  readonly #registeredScope = new Map<string, string>();
  /** Method registrations change one runtime at a time: a restart and a stop must not interleave. */
  #syncQueue: Promise<void> = Promise.resolve();
  /** per plugin: methods it registered that were refused */
  readonly #refused = new Map<string, PluginDiagnostic[]>();
  #catalog: Catalog | undefined;
  #view: ConfigView = { config: {}, hash: "", exists: false, from: "file" };
  #queue: Promise<void> = Promise.resolve();
  #scanTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** Applies a config (or a rescan with the current one); runs one at a time, in order. */
  reconcile(view: ConfigView = this.#view): Promise<void> {
    const run = this.#queue.then(() => this.#reconcile(view));
    this.#queue = run.catch((err: unknown) => this.#log.error({ err }, "plugin reconcile failed"));
    return run;
  }

  /** Rescans plugin directories on an interval; a change (added, removed, edited) reconciles. */
  startScanning(intervalMs: number): void {
    this.#scanTimer = setInterval(() => {
      if (this.#catalog && this.#fingerprint(this.#buildCatalog(this.#view.config)) !== this.#fingerprint(this.#catalog)) {
        void this.reconcile();
      }
    }, intervalMs);
    this.#scanTimer.unref();
  }

  async stopAll(reason: string): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#scanTimer);
    await this.#queue;
    await Promise.all([...this.#runtimes.values()].map((r) => this.#stopRuntime(r, reason)));
  }

  /** Starts a plugin whose worker ran out of crash budget (or failed to load) afresh: `plugins.enable` on an errored plugin. */
  retry(id: string): Promise<void> {
    const run = this.#queue.then(async () => {
      const runtime = this.#runtimes.get(id);
      if (runtime?.state !== "errored" || this.#stopped) return;
      await this.#stopRuntime(runtime, "retrying");
      await this.#startRuntime(runtime.plan, this.#view);
    });
    this.#queue = run.catch((err: unknown) => this.#log.error({ err }, "plugin retry failed"));
    return run;
  }

  /**
   * Why `plugins.enable` / `plugins.disable` cannot do what is asked, checked before anything is
   * written: unknown id, unloadable manifest, plugins off or denied, or a config the manifest's
   * schema refuses (with the issues, so the caller can fix them).
   */
  enableRefusal(id: string, enabled: boolean): GatewayError | undefined {
    const catalog = this.#catalog;
    const plan = catalog && planFor(catalog, id);
    if (!catalog || !plan) return invalidRequest(`plugin not found: ${id}`);
    if (!enabled) return undefined;
    if (!plan.manifest) return invalidRequest(`plugin ${id} cannot be loaded: ${plan.error ?? "no manifest"}`);
    if (!catalog.plugins.enabled) return invalidRequest("plugins are disabled (plugins.enabled is false)");
    if (catalog.plugins.deny.includes(id)) return invalidRequest(`plugin ${id} is blocked by the denylist (plugins.deny)`);
    const check = this.#options.validator.check(id, plan.schemaKey, plan.manifest.configSchema, catalog.plugins.entries[id]?.config);
    if (!check.ok) return invalidRequest(`plugin ${id}: ${check.error}`, { details: { issues: check.issues } });
    return undefined;
  }

  list(): { plugins: PluginSummary[]; diagnostics?: PluginDiagnostic[] } {
    const plans = this.#catalog?.plans ?? [];
    const diagnostics = this.#catalog?.diagnostics ?? [];
    return { plugins: plans.map((p) => this.#summary(p)), ...(diagnostics.length > 0 ? { diagnostics } : {}) };
  }

  summary(id: string): PluginSummary | undefined {
    const plan = this.#catalog && planFor(this.#catalog, id);
    return plan && this.#summary(plan);
  }

  info(id: string): PluginInfo | undefined {
    const plan = this.#catalog && planFor(this.#catalog, id);
    if (!plan) return undefined;
    const runtime = this.#runtimeFor(plan);
    const summary = this.#summary(plan);
    return {
      ...summary,
      ...(plan.manifest?.kind !== undefined ? { kind: plan.manifest.kind } : {}),
      source: plan.source,
      rootDir: plan.rootDir,
      ...(plan.reason !== undefined ? { reason: plan.reason } : {}),
      methodScopes: (runtime?.methods ?? []).filter((m) => this.#owners.get(m.name) === plan.id),
      services: runtime?.services ?? [],
      hooks: runtime?.hooks ?? [],
      configIssues: plan.configIssues,
      configSchema: plan.manifest?.configSchema ?? null,
      ...(plan.manifest?.uiHints !== undefined ? { uiHints: plan.manifest.uiHints } : {}),
      restarts: runtime?.restarts ?? 0,
      diagnostics: [
        ...(this.#catalog?.diagnostics.filter((d) => d.pluginId === plan.id) ?? []),
        ...(this.#refused.get(plan.id) ?? []),
        ...(runtime?.diagnostics ?? []),
      ],
    };
  }

  #buildCatalog(config: Record<string, unknown>): Catalog {
    const { stateDir, bundledDir, validator } = this.#options;
    return buildCatalog(config, { workspaceDir: resolveWorkspaceDir(config), globalDir: resolveUserPath(`${stateDir}/extensions`), bundledDir }, validator);
  }

  async #reconcile(view: ConfigView): Promise<void> {
    if (this.#stopped) return;
    this.#view = view;
    const catalog = this.#buildCatalog(view.config);
    this.#catalog = catalog;
    for (const d of catalog.diagnostics) this.#log.debug({ diagnostic: d }, "plugin diagnostic");

    const wanted = new Map<string, PluginPlan>();
    for (const plan of catalog.plans) {
      if (plan.enabled && !plan.error && !wanted.has(plan.id)) wanted.set(plan.id, plan);
    }
    const starting: Promise<void>[] = [];
    for (const runtime of [...this.#runtimes.values()]) {
      const plan = wanted.get(runtime.id);
      if (!plan) {
        starting.push(this.#stopRuntime(runtime, "disabled"));
        continue;
      }
      if (plan.fingerprint !== runtime.plan.fingerprint) {
        this.#log.info({ plugin: plan.id }, "plugin files changed: reloading it");
        starting.push(this.#stopRuntime(runtime, "reloading").then(() => this.#startRuntime(plan, view)));
        continue;
      }
      if (runtime.state === "errored" && JSON.stringify(plan.pluginConfig) !== JSON.stringify(runtime.plan.pluginConfig)) {
        // A new config is a reason to try a plugin that failed again.
        starting.push(this.#stopRuntime(runtime, "retrying").then(() => this.#startRuntime(plan, view)));
        continue;
      }
      starting.push(runtime.applyConfig(plan, view.config, resolveWorkspaceDir(view.config)));
    }
    for (const plan of wanted.values()) {
      if (!this.#runtimes.has(plan.id)) starting.push(this.#startRuntime(plan, view));
    }
    await Promise.all(starting);
    await this.#options.manifests.publish(catalog.plans);
  }

  async #startRuntime(plan: PluginPlan, view: ConfigView): Promise<void> {
    const runtime = new PluginRuntime(plan, view.config, resolveWorkspaceDir(view.config), {
      ...this.#options.runtime,
      onServingChanged: (r) => {
        this.#syncQueue = this.#syncQueue.then(() => this.#syncMethods(r)).catch((err: unknown) => this.#log.error({ err }, "registering plugin methods failed"));
      },
    });
    this.#runtimes.set(plan.id, runtime);
    await runtime.start();
  }

  async #stopRuntime(runtime: PluginRuntime, reason: string): Promise<void> {
    if (this.#runtimes.get(runtime.id) === runtime) this.#runtimes.delete(runtime.id);
    // Off the bus first (edges drop the methods), then the plugin stops.
    this.#syncQueue = this.#syncQueue
      .then(() => this.#unregisterAll(runtime.id))
      .catch((err: unknown) => this.#log.error({ err }, "unregistering plugin methods failed"));
    await this.#syncQueue;
    await runtime.stop(reason);
  }

  /**
   * Serves on the bus exactly the methods a loaded runtime registered and may own: routable,
   * not the gateway's own, not taken by another plugin. Protocol-known names (voicewake.*) are
   * for bundled plugins only, as the original reserves its core methods.
   */
  async #syncMethods(runtime: PluginRuntime): Promise<void> {
    const { server } = this.#options;
    const serving = runtime.state === "loaded" && this.#runtimes.get(runtime.id) === runtime;
    const wanted = new Map(serving ? runtime.methods.map((m) => [m.name, m.scope] as const) : []);
    const refused: PluginDiagnostic[] = [];
    for (const [name, owner] of [...this.#owners]) {
      if (owner !== runtime.id) continue;
      if (!wanted.has(name) || this.#registeredScope.get(name) !== wanted.get(name)) {
        this.#owners.delete(name);
        this.#registeredScope.delete(name);
        await server.unregister(name);
      }
    }
    for (const [name, scope] of wanted) {
      if (this.#owners.get(name) === runtime.id) continue;
      const refusal = this.#refusal(name, runtime);
      if (refusal) {
        refused.push({ level: "error", message: `${refusal}: ${name}`, pluginId: runtime.id });
        this.#log.error({ plugin: runtime.id, method: name }, refusal);
        continue;
      }
      this.#owners.set(name, runtime.id);
      this.#registeredScope.set(name, scope);
      server.register(name, {
        access: scope,
        params: AnyParams,
        handler: (params, context) => this.#route(name, params, context),
      });
    }
    this.#refused.set(runtime.id, refused);
  }

  #refusal(name: string, runtime: PluginRuntime): string | undefined {
    if (!isRoutableMethod(name)) return "gateway method name is not routable";
    if (RESERVED_METHODS.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) return "gateway method is reserved for the gateway";
    if (isKnownMethod(name) && runtime.plan.origin !== "bundled") return "gateway method already registered (a core method)";
    if (this.#owners.has(name)) return `gateway method already registered (by plugin ${this.#owners.get(name)})`;
    return undefined;
  }

  async #route(method: string, params: unknown, context: Parameters<PluginRuntime["call"]>[2]): Promise<unknown> {
    const owner = this.#owners.get(method);
    const runtime = owner === undefined ? undefined : this.#runtimes.get(owner);
    if (!runtime) throw new Error(`no plugin serves ${method}`);
    return runtime.call(method, params, context);
  }

  async #unregisterAll(pluginId: string): Promise<void> {
    for (const [name, owner] of [...this.#owners]) {
      if (owner !== pluginId) continue;
      this.#owners.delete(name);
      this.#registeredScope.delete(name);
      await this.#options.server.unregister(name);
    }
  }

  #runtimeFor(plan: PluginPlan): PluginRuntime | undefined {
    const runtime = this.#runtimes.get(plan.id);
    return runtime && runtime.plan.source === plan.source ? runtime : undefined;
  }

  #summary(plan: PluginPlan): PluginSummary {
    const runtime = this.#runtimeFor(plan);
    const manifest = plan.manifest;
    let state: PluginSummary["state"];
    let error = plan.error;
    if (!plan.enabled || plan.error?.startsWith("overridden by")) state = "disabled";
    else if (plan.error) state = "errored";
    else if (!runtime || runtime.state === "stopped") state = "loading";
    else {
      state = runtime.state;
      error = runtime.error;
    }
    return {
      id: plan.id,
      origin: plan.origin,
      enabled: plan.enabled,
      state,
      ...(error !== undefined ? { error } : {}),
      methods: [...this.#owners].filter(([, owner]) => owner === plan.id && runtime).map(([name]) => name).sort(),
      ...(manifest?.name !== undefined ? { name: manifest.name } : {}),
      ...(manifest?.version !== undefined ? { version: manifest.version } : {}),
      ...(manifest?.description !== undefined ? { description: manifest.description } : {}),
    };
  }

  #fingerprint(catalog: Catalog): string {
    return JSON.stringify(catalog.plans.map((p) => [p.id, p.fingerprint, p.enabled, p.error]));
  }
}
