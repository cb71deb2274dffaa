import { randomUUID } from "node:crypto";
import { GatewayError, invalidRequest } from "@clawdbot/protocol";
import type { CallerContext, RpcClient } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { PluginConfigSource } from "./plugin-config-source.js";
import { normalizePluginsConfig } from "./plugins-config.js";

const ATTEMPTS = 3;

interface Snapshot {
  config: Record<string, unknown>;
  hash: string | undefined;
  valid: boolean;
}

/**
 * `plugins.enable` / `plugins.disable` write `plugins.entries.<id>.enabled` (and the allowlist)
 * through config-service: `config.get` for the hash, then `config.patch` with `baseHash`,
 * retried when someone else wrote in between. The calls carry the admin caller's own context,
 * so config-service sees who asked. Until config-service serves `config.patch`, the file is
 * written here with the same compare-and-set.
 */
export class PluginEnablementWriter {
  readonly #rpc: RpcClient;
  readonly #source: PluginConfigSource;
  readonly #log: Logger;

  constructor(options: { rpc: RpcClient; source: PluginConfigSource; log: Logger }) {
    this.#rpc = options.rpc;
    this.#source = options.source;
    this.#log = options.log;
  }

  async setEnabled(id: string, enabled: boolean, caller: CallerContext): Promise<{ changed: boolean }> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const snapshot = await this.#snapshot(caller);
      if (!snapshot) return this.#writeLocally(id, enabled);
      if (!snapshot.valid) throw invalidRequest("config is invalid; fix it before enabling or disabling plugins (see config.get issues)");
      const patch = enablementPatch(snapshot.config, id, enabled);
      if (!patch) return { changed: false };
      try {
        await this.#call("config.patch", { raw: JSON.stringify(patch), baseHash: snapshot.hash, note: `plugins.${enabled ? "enable" : "disable"} ${id}` }, caller);
        return { changed: true };
      } catch (err) {
        if (notServed(err)) return this.#writeLocally(id, enabled);
        if (err instanceof GatewayError && /changed since last load/.test(err.message) && attempt < ATTEMPTS) continue;
        throw err;
      }
    }
    throw new GatewayError("UNAVAILABLE", "config kept changing while plugins were being updated; retry", { retryable: true });
  }

  async #snapshot(caller: CallerContext): Promise<Snapshot | undefined> {
    try {
      const result = (await this.#call("config.get", {}, caller)) as { config?: unknown; hash?: unknown; valid?: unknown; exists?: unknown };
      const config = result.config && typeof result.config === "object" ? (result.config as Record<string, unknown>) : {};
      return { config, hash: result.exists === false || typeof result.hash !== "string" ? undefined : result.hash, valid: result.valid !== false };
    } catch (err) {
      if (notServed(err)) return undefined;
      throw err;
    }
  }

  #call(method: string, params: Record<string, unknown>, caller: CallerContext): Promise<unknown> {
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    // The admin's identity as the edge vouched for it; a fresh request id and this call's own deadline.
    const context: CallerContext = { requestId: `${caller.requestId}:${randomUUID().slice(0, 8)}` };
    for (const key of ["connId", "edgeId", "clientId", "clientMode", "role"] as const) if (caller[key] !== undefined) context[key] = caller[key];
    if (caller.scopes) context.scopes = caller.scopes;
    return this.#rpc.call(method, clean, context);
  }

  async #writeLocally(id: string, enabled: boolean): Promise<{ changed: boolean }> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      // The file as written, not the effective config: env values and defaults stay out of it.
      const file = await this.#source.readFile();
      if (!file) throw invalidRequest("the config file cannot be read or parsed; fix it before enabling or disabling plugins");
      const patch = enablementPatch(file.config, id, enabled);
      if (!patch) return { changed: false };
      this.#log.warn({ plugin: id, enabled }, "config-service does not serve config.patch: writing the config file directly");
      if (await this.#source.writeIfUnchanged(applyMergePatch(file.config, patch) as Record<string, unknown>, file.hash)) return { changed: true };
    }
    throw new GatewayError("UNAVAILABLE", "config kept changing while plugins were being updated; retry", { retryable: true });
  }
}

/** The merge patch that enables or disables a plugin, or undefined when the config already says so. */
export function enablementPatch(config: Record<string, unknown>, id: string, enabled: boolean): Record<string, unknown> | undefined {
  const plugins = normalizePluginsConfig(config);
  const entry = plugins.entries[id];
  const needsAllow = enabled && plugins.allow.length > 0 && !plugins.allow.includes(id);
  if (entry?.enabled === enabled && !needsAllow) return undefined;
  return {
    plugins: {
      entries: { [id]: { enabled } },
      // Like the original's auto-enable: an allowlist that exists gets the id appended.
      ...(needsAllow ? { allow: [...plugins.allow, id] } : {}),
    },
  };
}

/** RFC 7386: objects merge, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** Nobody serves the method (no responders), or an edge-less bus says it is unknown. */
function notServed(err: unknown): boolean {
  if (!(err instanceof GatewayError)) return false;
  return /^no service is serving /.test(err.message) || /^unknown method: /.test(err.message);
}
