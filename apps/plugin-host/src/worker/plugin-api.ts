import { homedir } from "node:os";
import { resolve } from "node:path";
import { PluginMethodScope, isRoutableMethod } from "@clawdbot/protocol";
import type {
  GatewayMethodHandler,
  PluginApi,
  PluginHookName,
  PluginScope,
  PluginService,
  PluginStorage,
  ServiceContext,
} from "@clawdbot/plugin-sdk";
import type { Logger } from "pino";
import type { WorkerInit } from "./messages.js";

/** What the worker needs from the host side of the thread boundary. */
export interface HostLink {
  publish: (event: string, json: string, dropIfSlow: boolean) => void;
  storage: (op: "get" | "set" | "delete", key: string, json?: string) => Promise<string | undefined>;
  diagnostic: (level: "warn" | "error", message: string) => void;
}

export interface MethodEntry {
  handler: GatewayMethodHandler<unknown>;
  scope: PluginMethodScope;
}

export interface HookEntry {
  handler: (payload: unknown) => void | Promise<void>;
  priority: number;
}

/** Everything a plugin registered; closed once `register` returns. */
export class Registrations {
  readonly methods = new Map<string, MethodEntry>();
  readonly services: PluginService[] = [];
  readonly hooks = new Map<string, HookEntry[]>();
  #sealed = false;

  seal(): void {
    this.#sealed = true;
  }

  assertOpen(what: string): void {
    if (this.#sealed) throw new Error(`${what}: registration is closed once register() has returned`);
  }

  hookNames(): string[] {
    return [...this.hooks.keys()];
  }

  /** Runs a hook's handlers, highest priority first, in parallel; a failing one is logged and skipped. */
  async runHook(name: PluginHookName, payload: unknown, log: Logger): Promise<void> {
    const handlers = [...(this.hooks.get(name) ?? [])].sort((a, b) => b.priority - a.priority);
    await Promise.all(
      handlers.map(async ({ handler }) => {
        try {
          await handler(payload);
        } catch (err) {
          log.error({ err, hook: name }, "plugin hook failed");
        }
      }),
    );
  }
}

/** Events the gateway's own services own: a plugin publishing one would impersonate them. */
const RESERVED_EVENTS = new Set(["connect.challenge", "tick", "shutdown", "presence", "health", "chat", "agent", "node.invoke.request"]);
const RESERVED_EVENT_PREFIXES = ["device.pair.", "node.pair.", "exec.approval."];
const STORAGE_KEY = /^[A-Za-z0-9_=/-]+(?:\.[A-Za-z0-9_=/-]+)*$/;
const KNOWN_HOOKS = new Set<string>(["gateway_start", "gateway_stop", "config_changed"]);
/** The original's registration calls this gateway has no place for: accepted and ignored, so such plugins still load. */
const UNSUPPORTED_REGISTRATIONS = [
  "registerTool",
  "registerHook",
  "registerHttpRoute",
  "registerHttpHandler",
  "registerChannel",
  "registerProvider",
  "registerCli",
  "registerCommand",
];

const SCOPE_ALIASES: Record<string, PluginMethodScope> = {
  "operator.read": "read",
  "operator.write": "write",
  "operator.admin": "admin",
  "operator.approvals": "approvals",
  "operator.pairing": "pairing",
};

export function normalizeScope(scope: PluginScope | undefined): PluginMethodScope {
  if (scope === undefined) return "admin";
  const parsed = PluginMethodScope.safeParse(SCOPE_ALIASES[scope] ?? scope);
  if (!parsed.success) throw new Error(`unknown scope ${JSON.stringify(scope)}: use read, write, admin, approvals, pairing or node`);
  return parsed.data;
}

export interface LiveApi {
  api: PluginApi;
  serviceContext: () => ServiceContext;
  update: (config: Record<string, unknown>, pluginConfig: Record<string, unknown>) => void;
}

/** The `api` object `register(api)` receives, backed by this worker's registrations and the host link. */
export function createPluginApi(init: WorkerInit, registrations: Registrations, link: HostLink, logger: Logger): LiveApi {
  let config = init.config;
  let pluginConfig = init.pluginConfig;

  const storage: PluginStorage = {
    get: async <T>(key: string) => {
      const json = await link.storage("get", checkKey(key));
      return json === undefined ? undefined : (JSON.parse(json) as T);
    },
    set: async (key, value) => {
      const json = JSON.stringify(value);
      if (json === undefined) throw new Error("storage.set: the value must be JSON (not undefined or a function)");
      await link.storage("set", checkKey(key), json);
    },
    delete: async (key) => {
      await link.storage("delete", checkKey(key));
    },
  };

  const api: PluginApi = {
    id: init.pluginId,
    name: init.name,
    version: init.version,
    description: init.description,
    source: init.source,
    rootDir: init.rootDir,
    stateDir: init.stateDir,
    workspaceDir: init.workspaceDir,
    get config() {
      return config;
    },
    get pluginConfig() {
      return pluginConfig;
    },
    logger,
    storage,
    resolvePath: (path) => {
      const expanded = path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
      return resolve(init.rootDir, expanded);
    },
    registerGatewayMethod: (name, handler, options) => {
      registrations.assertOpen(`registerGatewayMethod(${JSON.stringify(name)})`);
      if (typeof name !== "string" || !isRoutableMethod(name)) throw new Error(`invalid gateway method name ${JSON.stringify(name)}`);
      if (typeof handler !== "function") throw new Error(`registerGatewayMethod(${name}): the handler must be a function`);
      if (registrations.methods.has(name)) throw new Error(`gateway method already registered: ${name}`);
      registrations.methods.set(name, { handler: handler as GatewayMethodHandler<unknown>, scope: normalizeScope(options?.scope) });
    },
    registerService: (service) => {
      registrations.assertOpen("registerService");
      if (typeof service?.start !== "function") throw new Error("registerService: a service needs a start function");
      registrations.services.push(service);
    },
    on: (hook, handler, options) => {
      registrations.assertOpen(`on(${JSON.stringify(hook)})`);
      if (typeof handler !== "function") throw new Error(`on(${hook}): the handler must be a function`);
      if (!KNOWN_HOOKS.has(hook)) link.diagnostic("warn", `hook ${hook} is never called by this gateway`);
      const list = registrations.hooks.get(hook) ?? [];
      list.push({ handler: handler as HookEntry["handler"], priority: options?.priority ?? 0 });
      registrations.hooks.set(hook, list);
    },
    publishEvent: (event, payload, options) => {
      if (typeof event !== "string" || !isRoutableMethod(event)) throw new Error(`invalid event name ${JSON.stringify(event)}`);
      if (RESERVED_EVENTS.has(event) || RESERVED_EVENT_PREFIXES.some((p) => event.startsWith(p))) {
        throw new Error(`event ${event} belongs to the gateway; a plugin may not publish it`);
      }
      link.publish(event, payload === undefined ? "" : JSON.stringify(payload), options?.dropIfSlow === true);
    },
  };

  for (const name of UNSUPPORTED_REGISTRATIONS) {
    Object.defineProperty(api, name, {
      enumerable: false,
      value: () => link.diagnostic("warn", `${name} is not supported by this gateway; ignored`),
    });
  }

  return {
    api,
    serviceContext: () => ({ config, pluginConfig, stateDir: init.stateDir, workspaceDir: init.workspaceDir, logger }),
    update: (nextConfig, nextPluginConfig) => {
      config = nextConfig;
      pluginConfig = nextPluginConfig;
    },
  };
}

function checkKey(key: string): string {
  if (typeof key !== "string" || key.length > 200 || !STORAGE_KEY.test(key)) {
    throw new Error(`invalid storage key ${JSON.stringify(key)}: letters, digits, - _ = / separated by dots`);
  }
  return key;
}
