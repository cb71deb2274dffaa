import { randomUUID, timingSafeEqual } from "node:crypto";
import {
  DevicePairingRequest,
  type DeviceToken,
  type DeviceTokenSummary,
  type NatsNames,
  PAIRING_REQUEST_TTL_MS,
  PairedDevice,
  type PairedDeviceSummary,
  unavailable,
} from "@clawdbot/protocol";
import { type KV, type KvEntry, KvWatchInclude, type NatsConnection, type QueuedIterator } from "nats";
import type { Logger } from "pino";
import { openKvBucket } from "@clawdbot/runtime";
import { isCasConflict } from "@clawdbot/nats-rpc";

// Keys of the devices bucket. Device ids are hex SHA-256, so they are valid key tokens as they are.
const PAIRED = "paired.";
const PENDING = "pending.";
const DEVICE_ID = /^[0-9a-f]{64}$/;
const MAX_CAS_ATTEMPTS = 25;

/** What a connecting device asks to be paired for. */
export interface PairingInput {
  deviceId: string;
  /** Canonical raw base64url key. */
  publicKey: string;
  displayName?: string | undefined;
  platform?: string | undefined;
  clientId?: string | undefined;
  clientMode?: string | undefined;
  role: string;
  scopes: readonly string[];
  remoteIp?: string | undefined;
  silent: boolean;
  isRepair: boolean;
}

/** What a device says about itself on each connect; kept on its paired record. */
export type DeviceMetadata = Pick<PairedDevice, "displayName" | "platform" | "clientId" | "clientMode" | "remoteIp">;

function liveEntry(entry: KvEntry | null): KvEntry | undefined {
  return entry && entry.operation === "PUT" ? entry : undefined;
}

/** Scopes as a set: trimmed, de-duplicated, sorted, so stored tokens compare cleanly. */
export function normalizeScopes(scopes: readonly string[] | undefined): string[] {
  return [...new Set((scopes ?? []).map((s) => s.trim()).filter(Boolean))].sort();
}

/** Every requested scope is granted; asking for none always passes, granting none never does. */
export function scopesAllow(requested: readonly string[], granted: readonly string[] | undefined): boolean {
  if (requested.length === 0) return true;
  const allowed = new Set(granted ?? []);
  return allowed.size > 0 && requested.every((s) => allowed.has(s));
}

function merge(...lists: (readonly string[] | string | undefined)[]): string[] | undefined {
  const out = new Set<string>();
  for (const list of lists) for (const item of typeof list === "string" ? [list] : (list ?? [])) if (item.trim()) out.add(item.trim());
  return out.size > 0 ? [...out] : undefined;
}

/** The roles a paired device was approved for. */
export function pairedRoles(device: PairedDevice): string[] {
  return merge(device.roles, device.role) ?? [];
}

/** A device token: 32 hex characters, a UUID without dashes (spec §4.5). */
function newToken(): string {
  return randomUUID().replaceAll("-", "");
}

function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function mintToken(role: string, scopes: readonly string[], previous: DeviceToken | undefined, now: number): DeviceToken {
  const token: DeviceToken = { token: newToken(), role, scopes: normalizeScopes(scopes), createdAtMs: previous?.createdAtMs ?? now };
  if (previous) token.rotatedAtMs = now;
  if (previous?.lastUsedAtMs !== undefined) token.lastUsedAtMs = previous.lastUsedAtMs;
  return token;
}

/** A paired device without its token secrets, as `device.pair.list` shows it. */
export function summarizeDevice(device: PairedDevice): PairedDeviceSummary {
  const { tokens, ...rest } = device;
  const summaries: DeviceTokenSummary[] = Object.values(tokens ?? {})
    .map(({ token: _secret, ...summary }) => summary)
    .sort((a, b) => a.role.localeCompare(b.role));
  return summaries.length > 0 ? { ...rest, tokens: summaries } : rest;
}

function isExpired(request: DevicePairingRequest, now: number): boolean {
  return now - request.ts > PAIRING_REQUEST_TTL_MS;
}

/**
 * Paired devices, their tokens and pending pairing requests (spec §4.5), in one JetStream KV
 * bucket that every edge shares: a device paired through one edge connects through any other,
 * and a token revoked on one is refused by all. Every write is compare-and-set on the entry's
 * revision, retried on conflict, so concurrent edges never lose each other's changes (the
 * original serialises writes with an in-process lock only).
 */
export class DeviceStore {
  readonly #kv: KV;
  readonly #log: Logger;
  #watch: QueuedIterator<KvEntry> | undefined;
  #stopped = false;

  private constructor(kv: KV, log: Logger) {
    this.#kv = kv;
    this.#log = log;
  }

  static async open(options: { nc: NatsConnection; names: NatsNames; log: Logger; replicas?: number }): Promise<DeviceStore> {
    const kv = await openKvBucket(options.nc.jetstream(), options.names.devicesBucket, { history: 1 }, { replicas: options.replicas ?? 1, log: options.log });
    return new DeviceStore(kv, options.log);
  }

  /**
   * Calls `onChange` for every later change of a paired device (undefined when it is removed),
   * so edges can drop connections whose token was revoked or rotated elsewhere. Connects never
   * rely on it: they read the store itself.
   */
  async watchPaired(onChange: (deviceId: string, device: PairedDevice | undefined) => void): Promise<void> {
    const watch = await this.#kv.watch({ key: `${PAIRED}>`, include: KvWatchInclude.UpdatesOnly });
    this.#watch = watch;
    void (async () => {
      try {
        for await (const entry of watch) {
          onChange(entry.key.slice(PAIRED.length), entry.operation === "PUT" ? this.#parsePaired(entry) : undefined);
        }
      } catch (err) {
        this.#log.error({ err }, "paired devices watch failed");
      }
      if (this.#stopped) return;
      // A watch that ends on its own is started again; a change in the gap is still refused at connect.
      this.#log.warn("paired devices watch ended; restarting");
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (!this.#stopped) await this.watchPaired(onChange).catch((err: unknown) => this.#log.error({ err }, "paired devices watch could not restart"));
    })();
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
  }

  async getPaired(deviceId: string): Promise<PairedDevice | undefined> {
    if (!DEVICE_ID.test(deviceId)) return undefined;
    const entry = liveEntry(await this.#kv.get(PAIRED + deviceId));
    return entry ? this.#parsePaired(entry) : undefined;
  }

  /** Files a pairing request, or returns the device's pending one (one per device, 5 minutes). */
  async requestPairing(input: PairingInput): Promise<{ request: DevicePairingRequest; created: boolean }> {
    const key = PENDING + input.deviceId;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const now = Date.now();
      const entry = liveEntry(await this.#kv.get(key));
      const existing = entry ? this.#parsePending(entry) : undefined;
      if (existing && !isExpired(existing, now)) return { request: existing, created: false };
      const request: DevicePairingRequest = {
        requestId: randomUUID(),
        deviceId: input.deviceId,
        publicKey: input.publicKey,
        displayName: input.displayName,
        platform: input.platform,
        clientId: input.clientId,
        clientMode: input.clientMode,
        role: input.role,
        roles: [input.role],
        scopes: normalizeScopes(input.scopes),
        remoteIp: input.remoteIp,
        silent: input.silent,
        isRepair: input.isRepair,
        ts: now,
      };
      try {
        if (entry) await this.#kv.update(key, JSON.stringify(request), entry.revision);
        else await this.#kv.create(key, JSON.stringify(request));
        return { request, created: true };
      } catch (err) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw unavailable("pairing store busy; try again in a moment");
  }

  /**
   * Approves a pending request: the device is paired for the requested role and scopes, with a
   * fresh token for that role. Undefined when no such request is pending.
   */
  async approve(requestId: string): Promise<{ request: DevicePairingRequest; device: PairedDevice } | undefined> {
    const request = await this.#claimPending(requestId);
    if (!request) return undefined;
    const device = await this.#updatePaired(request.deviceId, (existing, now) => {
      const role = request.role;
      const tokens = { ...existing?.tokens };
      if (role) tokens[role] = mintToken(role, request.scopes ?? [], existing?.tokens?.[role], now);
      return {
        deviceId: request.deviceId,
        publicKey: request.publicKey,
        displayName: request.displayName,
        platform: request.platform,
        clientId: request.clientId,
        clientMode: request.clientMode,
        role,
        roles: merge(existing?.roles, existing?.role, request.roles, role),
        scopes: merge(existing?.scopes, request.scopes),
        remoteIp: request.remoteIp,
        tokens,
        createdAtMs: existing?.createdAtMs ?? now,
        approvedAtMs: now,
      };
    });
    return device ? { request, device } : undefined;
  }

  /** Drops a pending request; undefined when none is pending under that id. */
  async reject(requestId: string): Promise<DevicePairingRequest | undefined> {
    return this.#claimPending(requestId);
  }

  /** Pending requests (newest first) and paired devices (latest approval first). */
  async list(): Promise<{ pending: DevicePairingRequest[]; paired: PairedDevice[] }> {
    const now = Date.now();
    const pending: DevicePairingRequest[] = [];
    const paired: PairedDevice[] = [];
    for (const key of await this.#keys(">")) {
      const entry = liveEntry(await this.#kv.get(key));
      if (!entry) continue;
      if (key.startsWith(PENDING)) {
        const request = this.#parsePending(entry);
        if (request && isExpired(request, now)) await this.#dropExpired(key, entry.revision);
        else if (request) pending.push(request);
      } else if (key.startsWith(PAIRED)) {
        const device = this.#parsePaired(entry);
        if (device) paired.push(device);
      }
    }
    pending.sort((a, b) => b.ts - a.ts);
    paired.sort((a, b) => b.approvedAtMs - a.approvedAtMs);
    return { pending, paired };
  }

  /**
   * Checks a device token (spec §4.5) against the device record the connect just read: the
   * device's token for the role, not revoked, an exact match, and the requested scopes within
   * the token's.
   */
  verifyToken(device: PairedDevice | undefined, token: string, role: string, scopes: readonly string[]): boolean {
    const entry = device?.tokens?.[role];
    if (!entry || entry.revokedAtMs !== undefined) return false;
    return tokensEqual(token, entry.token) && scopesAllow(normalizeScopes(scopes), entry.scopes);
  }

  /**
   * The device's token for a role, minted when there is none, it is revoked, or its scopes do not
   * cover the request (spec §4.5). `known` is the record just read; a usable token in it costs
   * no write.
   */
  async ensureToken(deviceId: string, role: string, scopes: readonly string[], known?: PairedDevice): Promise<DeviceToken | undefined> {
    const requested = normalizeScopes(scopes);
    const usable = (t: DeviceToken | undefined) => t !== undefined && t.revokedAtMs === undefined && scopesAllow(requested, t.scopes);
    const current = known?.tokens?.[role];
    if (usable(current)) return current;
    const device = await this.#updatePaired(deviceId, (existing, now) => {
      if (!existing) return undefined;
      if (usable(existing.tokens?.[role])) return existing;
      return { ...existing, tokens: { ...existing.tokens, [role]: mintToken(role, requested, existing.tokens?.[role], now) } };
    });
    return device?.tokens?.[role];
  }

  /** A new token for the role, optionally with new scopes; undefined for an unknown device. */
  async rotate(deviceId: string, role: string, scopes?: readonly string[]): Promise<DeviceToken | undefined> {
    const device = await this.#updatePaired(deviceId, (existing, now) => {
      if (!existing) return undefined;
      const previous = existing.tokens?.[role];
      const next = mintToken(role, scopes ?? previous?.scopes ?? existing.scopes ?? [], previous, now);
      next.rotatedAtMs = now;
      return { ...existing, ...(scopes ? { scopes: normalizeScopes(scopes) } : {}), tokens: { ...existing.tokens, [role]: next } };
    });
    return device?.tokens?.[role];
  }

  /** Marks the role's token revoked; undefined when the device has no token for the role. */
  async revoke(deviceId: string, role: string): Promise<DeviceToken | undefined> {
    const device = await this.#updatePaired(deviceId, (existing, now) => {
      const token = existing?.tokens?.[role];
      if (!existing || !token) return undefined;
      return { ...existing, tokens: { ...existing.tokens, [role]: { ...token, revokedAtMs: token.revokedAtMs ?? now } } };
    });
    return device?.tokens?.[role];
  }

  /** Keeps what the device said about itself, and when its token was last used. Best effort. */
  async recordConnect(deviceId: string, metadata: DeviceMetadata, usedTokenRole?: string): Promise<void> {
    try {
      await this.#updatePaired(deviceId, (existing, now) => {
        if (!existing) return undefined;
        const next: PairedDevice = { ...existing };
        for (const [field, value] of Object.entries(metadata) as [keyof DeviceMetadata, string | undefined][]) if (value) next[field] = value;
        const used = usedTokenRole ? existing.tokens?.[usedTokenRole] : undefined;
        if (usedTokenRole && used) next.tokens = { ...existing.tokens, [usedTokenRole]: { ...used, lastUsedAtMs: now } };
        return next;
      });
    } catch (err) {
      this.#log.warn({ err, deviceId }, "could not record device connect");
    }
  }

  /** Read-modify-write of one paired device under compare-and-set; `fn` returns undefined for no change. */
  async #updatePaired(deviceId: string, fn: (existing: PairedDevice | undefined, now: number) => PairedDevice | undefined): Promise<PairedDevice | undefined> {
    if (!DEVICE_ID.test(deviceId)) return undefined;
    const key = PAIRED + deviceId;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = liveEntry(await this.#kv.get(key));
      const existing = entry ? this.#parsePaired(entry) : undefined;
      const next = fn(existing && structuredClone(existing), Date.now());
      if (next === undefined) return undefined;
      if (next === existing) return existing;
      try {
        const value = JSON.stringify(PairedDevice.parse(next));
        if (entry) await this.#kv.update(key, value, entry.revision);
        else await this.#kv.create(key, value);
        return next;
      } catch (err) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw unavailable("device store busy; try again in a moment");
  }

  /** Removes a pending request by id, under compare-and-set, so two operators never both resolve it. */
  async #claimPending(requestId: string): Promise<DevicePairingRequest | undefined> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const found = await this.#findPending(requestId);
      if (!found) return undefined;
      try {
        await this.#kv.delete(found.key, { previousSeq: found.revision });
        return found.request;
      } catch (err) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw unavailable("pairing store busy; try again in a moment");
  }

  async #findPending(requestId: string): Promise<{ key: string; revision: number; request: DevicePairingRequest } | undefined> {
    const now = Date.now();
    for (const key of await this.#keys(`${PENDING}>`)) {
      const entry = liveEntry(await this.#kv.get(key));
      const request = entry && this.#parsePending(entry);
      if (!entry || !request || request.requestId !== requestId) continue;
      if (isExpired(request, now)) {
        await this.#dropExpired(key, entry.revision);
        return undefined;
      }
      return { key, revision: entry.revision, request };
    }
    return undefined;
  }

  async #dropExpired(key: string, revision: number): Promise<void> {
    try {
      await this.#kv.delete(key, { previousSeq: revision });
    } catch (err) {
      if (!isCasConflict(err)) this.#log.warn({ err, key }, "could not drop an expired pairing request");
    }
  }

  async #keys(filter: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.#kv.keys(filter)) keys.push(key);
    return keys;
  }

  #parsePaired(entry: KvEntry): PairedDevice | undefined {
    const parsed = PairedDevice.safeParse(entry.json());
    if (!parsed.success) this.#log.warn({ key: entry.key }, "ignoring malformed paired device");
    return parsed.success ? parsed.data : undefined;
  }

  #parsePending(entry: KvEntry): DevicePairingRequest | undefined {
    const parsed = DevicePairingRequest.safeParse(entry.json());
    if (!parsed.success) this.#log.warn({ key: entry.key }, "ignoring malformed pairing request");
    return parsed.success ? parsed.data : undefined;
  }
}
