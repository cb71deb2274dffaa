import {
  CONFIG_KEYS,
  type ConfigFile,
  type EffectiveConfig,
  type EnvLayer,
  type JsonObject,
  type KvLease,
  type LayeredResult,
  type PublishedConfig,
  buildReloadPlan,
  decodePublished,
  diffPaths,
  envLayer,
  evaluateConfigText,
  isPlainObject,
  layerConfig,
  migrateLegacyConfig,
  readConfigFile,
  redactTree,
  secretSubstitutions,
  writeConfigText,
} from "@clawdbot/config";
import { publishEvent } from "@clawdbot/nats-rpc";
import { type ConfigChangeSource, type ConfigChangedEvent, type ConfigReloadPlan, type NatsNames, invalidRequest } from "@clawdbot/protocol";
import type { KV, NatsConnection } from "nats";
import type { Logger } from "pino";
import { type OverrideStore, overrideTree } from "./overrides.js";

export interface ConfigStoreDeps {
  path: string;
  env: NodeJS.ProcessEnv;
  nc: NatsConnection;
  names: NatsNames;
  kv: KV;
  lease: KvLease;
  overrides: OverrideStore;
  log: Logger;
  instanceId: string;
  /** `CLAWDBOT_NIX_MODE=1`: the file is managed elsewhere; legacy keys are reported, never migrated. */
  nixMode: boolean;
}

/** The file layer a config is built from: the file when it is valid, else the one in force. */
export interface FileBase {
  resolved: JsonObject;
  hash: string;
  /** Paths whose values came from secret-looking `${VAR}`s. */
  secretPaths: string[];
}

export function fileBase(file: ConfigFile): FileBase | undefined {
  if (!file.valid || !file.resolved) return undefined;
  return { resolved: file.resolved, hash: file.hash, secretPaths: secretSubstitutions(file.substitutions).map((p) => p.join(".")) };
}

function publishedBase(published: EffectiveConfig | null): FileBase | undefined {
  return published ? { resolved: published.fileLayer, hash: published.fileHash, secretPaths: published.secretPaths } : undefined;
}

export interface Published {
  effective: EffectiveConfig | null;
  plan: ConfigReloadPlan | null;
}

const encoder = new TextEncoder();

/**
 * The config as this replica sees it, and the only code that writes the file or publishes the
 * effective config. Every read-check-write and every publication runs under the cluster-wide
 * write lease and reads the file afresh inside it, so replicas never interleave and what is
 * published always follows the file's latest state. While the file is invalid, the file layer
 * in force is the published one (any replica can layer new overrides onto it), so the last
 * good config stays in force everywhere.
 */
export class ConfigStore {
  readonly path: string;
  readonly #deps: ConfigStoreDeps;
  readonly #env: EnvLayer;
  #reportedInvalid: string | undefined;
  #includedFiles: string[] = [];

  constructor(deps: ConfigStoreDeps) {
    this.#deps = deps;
    this.path = deps.path;
    this.#env = envLayer(deps.env);
    for (const { variable, message } of this.#env.errors) deps.log.warn({ variable }, `environment variable ignored: ${message}`);
  }

  /** The file and every file it includes, for the watcher. */
  get watchedFiles(): string[] {
    return [this.path, ...this.#includedFiles];
  }

  read(): ConfigFile {
    const file = readConfigFile(this.path, { env: this.#deps.env });
    if (file.resolved) this.#includedFiles = file.includedFiles;
    return file;
  }

  layered(base: FileBase, overrides: Record<string, unknown>): LayeredResult {
    return layerConfig({ file: base.resolved, env: this.#env.tree, override: overrideTree(overrides) });
  }

  overridesNow(): Promise<Record<string, unknown>> {
    return this.#deps.overrides.read();
  }

  async published(): Promise<EffectiveConfig | null> {
    return decodePublished(await this.#deps.kv.get(CONFIG_KEYS.effective)) ?? null;
  }

  /** A tree with its secrets hidden: secret-looking keys, and `secretPaths` (values from secret `${VAR}`s). */
  redact<T>(tree: T, secretPaths: readonly string[] = []): T {
    return redactTree(tree, secretPaths.map((p) => p.split(".")));
  }

  /** Under the lease: read the file, (re)publish what it means now. */
  refresh(source: ConfigChangeSource): Promise<Published> {
    return this.#deps.lease.run(() => this.#refreshHeld(source));
  }

  /** Under the lease: migrate legacy keys (startup), then publish. */
  start(): Promise<Published> {
    return this.#deps.lease.run(async () => {
      await this.#migrateHeld();
      return this.#refreshHeld("startup");
    });
  }

  /**
   * A file write: under the lease, the hash check against the file as it is now, `produce`
   * makes the new text from the current file, the text is validated with every layer, written,
   * and published.
   */
  write(baseHash: string | undefined, produce: (current: ConfigFile) => { text: string; migrated?: string[] }): Promise<{
    base: FileBase;
    layered: Extract<LayeredResult, { ok: true }>;
    published: Published;
    migrated: string[] | undefined;
  }> {
    return this.#deps.lease.run(async () => {
      const current = this.read();
      if (current.exists && baseHash !== current.hash) {
        this.#deps.log.info({ baseHash, hash: current.hash }, "config write refused: base hash is not the file's");
        throw invalidRequest(baseHash ? "config changed since last load; re-run config.get and retry" : "config base hash required; re-run config.get and retry");
      }
      const { text, migrated } = produce(current);
      const next = evaluateConfigText(this.path, text, { env: this.#deps.env });
      const base = fileBase(next);
      if (!base) throw invalidRequest("invalid config", { details: { issues: next.issues } });
      const layered = this.layered(base, await this.#deps.overrides.read());
      if (!layered.ok) throw invalidRequest("invalid config", { details: { issues: layered.issues } });
      const { backup } = await writeConfigText(this.path, text);
      this.#deps.log.info({ path: this.path, backup, hash: next.hash }, "config file written");
      this.#includedFiles = next.includedFiles;
      const published = await this.#publish(layered, base, "write", false);
      return { base, layered, published, migrated };
    });
  }

  /**
   * Under the lease: changes the override layer when the result is a valid config (else
   * INVALID_REQUEST with the issues, nothing stored), then publishes.
   */
  changeOverrides(change: (current: Record<string, unknown>) => Record<string, unknown>): Promise<{ overrides: string[]; published: Published }> {
    return this.#deps.lease.run(async () => {
      const base = fileBase(this.read()) ?? publishedBase(await this.published());
      const stored = await this.#deps.overrides.update((current) => {
        const next = change(current);
        const layered = base ? this.layered(base, next) : undefined;
        if (layered && !layered.ok) throw invalidRequest("invalid config", { details: { issues: layered.issues } });
        return next;
      });
      const layered = base ? this.layered(base, stored) : undefined;
      if (!base || !layered?.ok) return { overrides: Object.keys(stored), published: { effective: await this.published(), plan: null } };
      return { overrides: Object.keys(stored), published: await this.#publish(layered, base, "override", false) };
    });
  }

  async #refreshHeld(source: ConfigChangeSource): Promise<Published> {
    const file = this.read();
    const published = await this.published();
    let base = fileBase(file);
    if (base) {
      this.#reportedInvalid = undefined;
    } else {
      if (this.#reportedInvalid !== file.hash) {
        this.#reportedInvalid = file.hash;
        this.#deps.log.error(
          { path: this.path, hash: file.hash, issues: file.issues, legacyIssues: file.legacyIssues },
          `config reload skipped (invalid config): ${file.issues.map((i) => `${i.path || "<root>"}: ${i.message}`).join("; ")}; the last good config stays in force`,
        );
      }
      // Only the override layer can have changed: layer it onto the file layer in force.
      base = source === "override" ? publishedBase(published) : undefined;
      if (!base) return { effective: published, plan: null };
    }
    const layered = this.layered(base, await this.#deps.overrides.read());
    if (!layered.ok) {
      this.#deps.log.error({ issues: layered.issues }, "config not applied: environment or overrides make it invalid; the last good config stays in force");
      return { effective: published, plan: null };
    }
    return this.#publish(layered, base, source, source === "file");
  }

  async #migrateHeld(): Promise<void> {
    const file = this.read();
    if (file.legacyIssues.length === 0 || !isPlainObject(file.parsed)) return;
    if (this.#deps.nixMode) {
      this.#deps.log.error({ legacyIssues: file.legacyIssues }, "legacy config keys found; CLAWDBOT_NIX_MODE=1 forbids migrating them");
      return;
    }
    const { config, changes } = migrateLegacyConfig(file.parsed);
    const text = `${JSON.stringify(config, null, 2)}\n`;
    const next = evaluateConfigText(this.path, text, { env: this.#deps.env });
    if (!next.valid) {
      this.#deps.log.error({ changes, issues: next.issues }, "Migration applied, but config still invalid; fix remaining issues manually. The file was not changed.");
      return;
    }
    const { backup } = await writeConfigText(this.path, text);
    this.#deps.log.warn({ path: this.path, backup, changes }, `config migrated from legacy keys:\n${changes.map((c) => `- ${c}`).join("\n")}`);
  }

  /** Publishes a new effective config if it differs from the one in force; the caller holds the lease. */
  async #publish(layered: Extract<LayeredResult, { ok: true }>, base: FileBase, source: ConfigChangeSource, respectOff: boolean): Promise<Published> {
    const entry = await this.#deps.kv.get(CONFIG_KEYS.effective);
    const previous = decodePublished(entry) ?? null;
    if (previous?.hash === layered.hash && previous.fileHash === base.hash) return { effective: previous, plan: null };
    const mode = layered.config.gateway.reload.mode;
    const plan = previous ? buildReloadPlan(diffPaths(previous.config, layered.config), mode) : null;
    if (plan && plan.changedPaths.length > 0 && respectOff && mode === "off") {
      this.#deps.log.warn({ changedPaths: plan.changedPaths }, "config file changed; not applied (gateway.reload.mode is off)");
      return { effective: previous, plan: null };
    }
    if (plan && plan.ignoredRestartPaths.length > 0) {
      this.#deps.log.warn({ paths: plan.ignoredRestartPaths }, "config change needs a restart; ignored until then (gateway.reload.mode is hot)");
    }
    const record: PublishedConfig = {
      config: layered.config,
      provenance: layered.provenance,
      hash: layered.hash,
      fileHash: base.hash,
      filePath: this.path,
      fileLayer: base.resolved,
      secretPaths: base.secretPaths,
      plan,
      source,
      publishedAt: new Date().toISOString(),
      publishedBy: this.#deps.instanceId,
    };
    const data = encoder.encode(JSON.stringify(record));
    const revision = entry ? await this.#deps.kv.update(CONFIG_KEYS.effective, data, entry.revision) : await this.#deps.kv.create(CONFIG_KEYS.effective, data);
    if (plan?.changedPaths.length !== 0) {
      const event: ConfigChangedEvent = {
        hash: base.hash,
        effectiveHash: layered.hash,
        changedPaths: plan?.changedPaths ?? [],
        restart: plan?.restart ?? false,
        mode,
        source,
      };
      publishEvent(this.#deps.nc, this.#deps.names, "config.changed", event);
      this.#deps.log.info({ revision, ...event, hotPaths: plan?.hotPaths, restartPaths: plan?.restartPaths }, "effective config published");
    }
    return { effective: { ...record, config: layered.config, revision }, plan };
  }
}
