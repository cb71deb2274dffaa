import { createHash, randomUUID } from "node:crypto";
import { type StatWatcher, watchFile, unwatchFile } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type EffectiveConfig, type EffectiveConfigWatcher, loadEffectiveConfig, watchEffectiveConfig } from "@clawdbot/config";
import type { NatsNames } from "@clawdbot/protocol";
import JSON5 from "json5";
import type { NatsConnection } from "nats";
import type { Logger } from "pino";

/** The config as the plugin-host sees it, and where it came from. */
export interface ConfigView {
  config: Record<string, unknown>;
  /** Changes whenever the config does: the effective config's hash, or the file's sha256 ("" when missing). */
  hash: string;
  exists: boolean;
  from: "effective" | "file";
}

export interface PluginConfigSourceOptions {
  path: string;
  log: Logger;
  pollMs: number;
  nc: NatsConnection;
  names: NatsNames;
}

/**
 * The one place the plugin-host reads configuration. It follows the effective config that
 * config-service publishes (defaults < file < env < overrides, `$include`s resolved), which
 * reaches every replica on any machine. Until config-service has published one, it reads the
 * config file (JSON5) at the path every service resolves and polls it; a file that does not
 * parse keeps the last good view (the original's "config reload skipped (invalid config)").
 */
export class PluginConfigSource {
  readonly path: string;
  readonly #options: PluginConfigSourceOptions;
  readonly #log: Logger;
  #current: ConfigView = { config: {}, hash: sha256(""), exists: false, from: "file" };
  #revision = 0;
  #effective: EffectiveConfigWatcher | undefined;
  #fileWatcher: StatWatcher | undefined;
  #listener: ((view: ConfigView) => void) | undefined;

  constructor(options: PluginConfigSourceOptions) {
    this.path = options.path;
    this.#options = options;
    this.#log = options.log.child({ configPath: options.path });
  }

  current(): ConfigView {
    return this.#current;
  }

  /** Reads the config now rather than waiting for the next change; a change also reaches the listener. */
  async refresh(): Promise<ConfigView> {
    const effective = await loadEffectiveConfig(this.#options.nc, this.#options.names);
    if (effective) this.#useEffective(effective);
    else if (this.#revision === 0) {
      const file = await this.readFile();
      if (file) this.#update(file);
    }
    return this.#current;
  }

  async start(onChange: (view: ConfigView) => void): Promise<ConfigView> {
    this.#effective = await watchEffectiveConfig(this.#options.nc, this.#options.names, {
      onChange: (next) => this.#useEffective(next),
      onError: (err) => this.#log.warn({ err }, "effective config watch"),
    });
    try {
      await this.refresh();
    } catch (err) {
      // The caller retries start() through transient errors: leave no watcher behind.
      this.#effective.stop();
      this.#effective = undefined;
      throw err;
    }
    this.#listener = onChange;
    if (this.#revision === 0) {
      this.#log.info("no effective config published yet: reading the config file until config-service publishes one");
      this.#fileWatcher = watchFile(this.path, { interval: this.#options.pollMs, persistent: false }, () => void this.refresh());
    }
    return this.#current;
  }

  stop(): void {
    this.#effective?.stop();
    this.#stopFileWatch();
    this.#listener = undefined;
  }

  /** The config file as it is on disk, without env or overrides; undefined when it cannot be read or parsed. */
  async readFile(): Promise<ConfigView | undefined> {
    return this.#read();
  }

  /**
   * Writes a whole config file when config-service cannot (it does not serve `config.patch`): the
   * same compare-and-set on the file's hash, a temp file and a rename. A stopgap, logged as such.
   */
  async writeIfUnchanged(config: Record<string, unknown>, baseHash: string): Promise<boolean> {
    const now = await this.#read();
    if (!now || now.hash !== baseHash) return false;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
    this.#log.warn("config written by plugin-host directly: config-service does not serve config.patch");
    await this.refresh();
    return true;
  }

  #useEffective(next: EffectiveConfig): void {
    if (next.revision <= this.#revision) return;
    if (this.#revision === 0) this.#stopFileWatch();
    this.#revision = next.revision;
    this.#update({ config: next.config, hash: next.hash, exists: true, from: "effective" });
  }

  #update(next: ConfigView): void {
    if (next.hash === this.#current.hash && next.from === this.#current.from) return;
    this.#current = next;
    this.#listener?.(next);
  }

  #stopFileWatch(): void {
    if (this.#fileWatcher) unwatchFile(this.path);
    this.#fileWatcher = undefined;
  }

  async #read(): Promise<ConfigView | undefined> {
    let raw: string;
    try {
      raw = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { config: {}, hash: sha256(""), exists: false, from: "file" };
      this.#log.warn({ err }, "config read failed; keeping the last good config");
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON5.parse(raw);
    } catch (err) {
      this.#log.warn({ err }, "config reload skipped (JSON5 parse failed); keeping the last good config");
      return undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      this.#log.warn("config reload skipped (config must be an object); keeping the last good config");
      return undefined;
    }
    return { config: parsed as Record<string, unknown>, hash: sha256(raw), exists: true, from: "file" };
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
