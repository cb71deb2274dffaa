import type { PluginMethodScope } from "@clawdbot/protocol";
import type { Logger } from "pino";

/**
 * The scope a caller needs for a plugin method. The short names are the gateway's access rules
 * (`read` is satisfied by operator.read or operator.write); the `operator.*` spellings are
 * accepted too. Default: `admin`, as every plugin method needs in the original.
 */
export type PluginScope =
  | PluginMethodScope
  | "operator.read"
  | "operator.write"
  | "operator.admin"
  | "operator.approvals"
  | "operator.pairing";

/** Who is calling a plugin method, as the edge vouches for it. */
export interface MethodContext {
  method: string;
  requestId: string;
  connId?: string;
  edgeId?: string;
  clientId?: string;
  clientMode?: string;
  role?: string;
  scopes: readonly string[];
  /** The plugin's logger, bound to the request id and method. */
  log: Logger;
}

/**
 * Answers one call. Return the result (anything JSON can carry) or throw: a `GatewayMethodError`
 * answers with its code and message, anything else answers `UNAVAILABLE` with the message.
 */
export type GatewayMethodHandler<P = Record<string, unknown>, R = unknown> = (params: P, ctx: MethodContext) => R | Promise<R>;

export interface RegisterMethodOptions {
  scope?: PluginScope;
}

export interface ServiceContext<TConfig = Record<string, unknown>> {
  config: Record<string, unknown>;
  pluginConfig: TConfig;
  stateDir: string;
  workspaceDir: string;
  logger: Logger;
}

/** Long-running work: started after the plugin's methods are served, stopped in reverse order. */
export interface PluginService<TConfig = Record<string, unknown>> {
  id?: string;
  start: (ctx: ServiceContext<TConfig>) => void | Promise<void>;
  stop?: (ctx: ServiceContext<TConfig>) => void | Promise<void>;
}

export interface PluginHookPayloads<TConfig = Record<string, unknown>> {
  /** The plugin's methods are served and its services started, on this plugin-host replica. */
  gateway_start: { instanceId: string };
  /** The plugin is being stopped: disabled, reconfigured without a config_changed hook, or the host stops. */
  gateway_stop: { reason: string };
  /**
   * The config changed and the plugin's own config is still valid. With a handler for this hook
   * the plugin applies the change itself; without one, its worker is restarted with the new config.
   */
  config_changed: { config: Record<string, unknown>; pluginConfig: TConfig; previousPluginConfig: TConfig };
}
export type PluginHookName = keyof PluginHookPayloads;

export interface PublishEventOptions {
  /** A slow client misses the event instead of being disconnected (spec §6.2). */
  dropIfSlow?: boolean;
}

/**
 * Small JSON values kept for the plugin in a JetStream KV bucket, shared by every plugin-host
 * replica. Keys: letters, digits, `-`, `_`, `=`, `/`, separated by dots.
 */
export interface PluginStorage {
  get: <T = unknown>(key: string) => Promise<T | undefined>;
  set: (key: string, value: unknown) => Promise<void>;
  delete: (key: string) => Promise<void>;
}

/** What `register(api)` receives. Everything the plugin can reach of the gateway goes through it. */
export interface PluginApi<TConfig = Record<string, unknown>> {
  readonly id: string;
  readonly name: string;
  readonly version: string | undefined;
  readonly description: string | undefined;
  /** The entry file that was loaded. */
  readonly source: string;
  /** The plugin's directory (where its manifest is). */
  readonly rootDir: string;
  readonly stateDir: string;
  readonly workspaceDir: string;
  /** The whole config at load time (secrets included, as in the original); refreshed on changes. */
  readonly config: Record<string, unknown>;
  /** `plugins.entries.<id>.config`, validated against the manifest's `configSchema` (its defaults filled in). */
  readonly pluginConfig: TConfig;
  /** A pino child logger bound to the plugin id. */
  readonly logger: Logger;
  readonly storage: PluginStorage;
  /** Expands a leading `~` and resolves relative paths against the plugin's directory. */
  resolvePath: (path: string) => string;
  /** Serves a gateway method: it appears in `hello-ok.features.methods` on every edge. */
  registerGatewayMethod: <P = Record<string, unknown>, R = unknown>(
    name: string,
    handler: GatewayMethodHandler<P, R>,
    options?: RegisterMethodOptions,
  ) => void;
  registerService: (service: PluginService<TConfig>) => void;
  on: <H extends PluginHookName>(
    hook: H,
    handler: (payload: PluginHookPayloads<TConfig>[H]) => void | Promise<void>,
    options?: { priority?: number },
  ) => void;
  /** Broadcasts an event to every eligible client on every edge. */
  publishEvent: (event: string, payload: unknown, options?: PublishEventOptions) => void;
}

export type PluginRegister<TConfig = Record<string, unknown>> = (api: PluginApi<TConfig>) => void | Promise<void>;

/** The object form of a plugin's default export (the function form is just `register`). */
export interface PluginDefinition<TConfig = Record<string, unknown>> {
  id?: string;
  name?: string;
  description?: string;
  version?: string;
  kind?: string;
  /** Informational only: the manifest's `configSchema` is what the host validates against. */
  configSchema?: unknown;
  register?: PluginRegister<TConfig>;
  /** The original's alternative name for `register`. */
  activate?: PluginRegister<TConfig>;
}
