import { type EffectiveConfig, type EffectiveConfigWatcher, watchEffectiveConfig } from "@clawdbot/config";
import type { NatsNames } from "@clawdbot/protocol";
import type { NatsConnection } from "nats";
import type { Logger } from "pino";
import { type AuthSettings, AuthSettingsError, AuthSettingsHolder, parseAuthSettings } from "./auth-settings.js";
import { EdgeConfigError } from "./config.js";
import { AUTH_PATHS, authSources, edgeAuthSettings } from "./live-config-settings.js";

export interface LiveConfigOptions {
  nc: NatsConnection;
  names: NatsNames;
  /** The auth settings the edge's own environment sets (`EdgeConfig.envAuth`). */
  envAuth: Partial<AuthSettings>;
  /** The process's own log level, used while the config sets none. */
  envLogLevel: string;
  /** The logger whose level follows `logging.level` (its children follow it). */
  rootLog: Logger;
  log: Logger;
  /** How long to wait at start for a first publication when the environment has no secret. */
  waitMs: number;
}

/**
 * The edge's side of hot reload: follows the effective config that config-service publishes,
 * applies what is hot at once (the auth settings for the next connection, the log level), and
 * hands restart-class changes to `onRestart`. Existing sockets are never touched here.
 */
export class LiveConfig {
  /** Called for each change that needs the listener restarted, with the paths that need it. */
  onRestart: ((paths: readonly string[], next: EffectiveConfig) => void) | undefined;
  /**
   * For the first config published after the edge started without one: whether it moves the
   * listener (there is no plan to say so).
   */
  listenerMoved: ((next: EffectiveConfig) => boolean) | undefined;
  readonly #options: LiveConfigOptions;
  #watcher: EffectiveConfigWatcher | undefined;
  #holder: AuthSettingsHolder | undefined;
  #applied: AuthSettings | undefined;
  #refused: string | undefined;
  #firstConfig: (() => void) | undefined;

  private constructor(options: LiveConfigOptions) {
    this.#options = options;
  }

  /**
   * Starts following the config and settles the auth settings to start with: the published
   * config under the edge's own environment, or the environment alone while nothing is
   * published. Throws EdgeConfigError when that gives no usable shared secret.
   */
  static async start(options: LiveConfigOptions): Promise<LiveConfig> {
    const live = new LiveConfig(options);
    const { log, envAuth } = options;
    live.#watcher = await watchEffectiveConfig(options.nc, options.names, {
      onChange: (next, previous) => live.#onChange(next, previous),
      onError: (err) => log.warn({ err }, "config watch"),
    });
    if (!live.#watcher.current && !envAuth.token && !envAuth.password && options.waitMs > 0) {
      log.info({ waitMs: options.waitMs }, "no shared secret in the environment: waiting for config-service to publish the config");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.waitMs);
        live.#firstConfig = () => (clearTimeout(timer), resolve());
      });
      live.#firstConfig = undefined;
    }
    const current = live.#watcher.current;
    const initial = edgeAuthSettings(current, envAuth);
    try {
      live.#applied = parseAuthSettings(initial);
      live.#holder = new AuthSettingsHolder(live.#applied);
    } catch (err) {
      live.#watcher.stop();
      if (!(err instanceof AuthSettingsError)) throw err;
      const where = current ? "from the effective config and this edge's environment" : "from this edge's environment (config-service has published no config)";
      throw new EdgeConfigError(
        `invalid auth settings ${where}: ${err.message}. The shared secret comes from CLAWDBOT_GATEWAY_TOKEN (or CLAWDBOT_GATEWAY_PASSWORD) or gateway.auth.token (or gateway.auth.password) in the config file`,
      );
    }
    live.#applyLogLevel(current);
    log.info({ sources: authSources(current, envAuth), configRevision: current?.revision ?? null }, "auth settings");
    return live;
  }

  /** The live auth settings every connection reads at upgrade. */
  get authSettings(): AuthSettingsHolder {
    return this.#holder!;
  }

  /** The effective config in force, or null while config-service has published none. */
  get current(): EffectiveConfig | null {
    return this.#watcher?.current ?? null;
  }

  stop(): void {
    this.#watcher?.stop();
  }

  #onChange(next: EffectiveConfig, previous: EffectiveConfig | null): void {
    if (!this.#holder) {
      // Still starting: `start` reads the latest config itself.
      this.#firstConfig?.();
      return;
    }
    this.#applyLogLevel(next);
    this.#applyAuth(next);
    const { log } = this.#options;
    const plan = next.plan;
    // `hot` lists what it leaves out; `off` (API writes and overrides only) restarts nothing either.
    const unapplied = plan ? (plan.mode === "off" ? plan.restartPaths : plan.ignoredRestartPaths) : [];
    if (plan && unapplied.length > 0) {
      log.warn({ paths: unapplied, mode: plan.mode }, `restart-class change left unapplied until the next restart (gateway.reload.mode is ${plan.mode})`);
    }
    if (plan ? plan.restart : previous === null && this.listenerMoved?.(next)) {
      this.onRestart?.(plan ? (plan.restartPaths.length > 0 ? plan.restartPaths : plan.changedPaths) : ["gateway.port", "gateway.bind"], next);
    }
  }

  #applyLogLevel(effective: EffectiveConfig | null): void {
    const { rootLog, envLogLevel, log } = this.#options;
    const level = effective?.config.logging?.level ?? envLogLevel;
    if (rootLog.level === level) return;
    rootLog.level = level;
    log.info({ level }, "log level changed");
  }

  #applyAuth(next: EffectiveConfig): void {
    const { envAuth, log } = this.#options;
    const input = edgeAuthSettings(next, envAuth);
    let settings: AuthSettings;
    try {
      settings = parseAuthSettings(input);
    } catch (err) {
      if (!(err instanceof AuthSettingsError)) throw err;
      // Said once per distinct bad input, not again for every unrelated change after it.
      const key = JSON.stringify(input);
      if (key === this.#refused) return;
      this.#refused = key;
      // The message names keys and list entries, never a secret's value.
      log.error({ issues: err.message, configRevision: next.revision }, "auth settings from the config refused; the previous ones stay in force");
      return;
    }
    this.#refused = undefined;
    const changed = changedKeys(this.#applied, settings);
    if (changed.length === 0) return;
    this.#holder!.update(settings);
    this.#applied = settings;
    log.info({ changed, sources: authSources(next, envAuth), configRevision: next.revision }, "auth settings updated; they apply to new connections");
  }
}

/** The config paths of the settings whose values differ (paths only: values may be secrets). */
function changedKeys(before: AuthSettings | undefined, after: AuthSettings): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]) as Set<keyof AuthSettings>;
  return [...keys].filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after[key])).map((key) => AUTH_PATHS[key]).sort();
}
