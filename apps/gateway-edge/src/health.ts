import type { RegistryView, RpcClient } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { PresenceStore } from "./presence.js";

interface SessionsSummary {
  path: string;
  count: number;
  recent: { key: string; updatedAt: number | null; age: number | null }[];
}

export interface ServiceHealth {
  replicas: { instanceId: string; version: string; startedAt: number; lastSeenMs: number }[];
  methods: number;
}

/** The original's HealthSummary (spec §6.3) plus `services` and `edges` blocks of our own. */
export interface HealthSummary {
  ok: boolean;
  ts: number;
  durationMs: number;
  channels: Record<string, unknown>;
  channelOrder: string[];
  channelLabels: Record<string, string>;
  heartbeatSeconds: number;
  defaultAgentId: string;
  agents: { agentId: string; isDefault: boolean; heartbeat: { enabled: boolean; everyMs: number | null }; sessions: SessionsSummary }[];
  sessions: SessionsSummary;
  services: Record<string, ServiceHealth>;
  edges: { edgeId: string; host: string; connections: number; lastSeenMs: number }[];
}

export interface HealthViewOptions {
  registry: RegistryView;
  presence: PresenceStore;
  rpc: RpcClient;
  log: Logger;
  edgeId: string;
  /** Where the session store is, until the session-manager reports it. */
  sessionsPath: string;
  /** The shared event log's position this edge has reached; health versions follow it, so they compare across edges. */
  logPosition?: () => number;
}

/**
 * The edge's cached health: built from views it already holds (the method registry, presence),
 * so `health` costs no NATS round trip. Only a probe asks a service (`sessions.list`) for the
 * session counts.
 */
export class HealthView {
  readonly #options: HealthViewOptions;
  #sessions: SessionsSummary;
  #cached: HealthSummary | undefined;
  #version = 1;
  #probing: Promise<HealthSummary> | undefined;

  constructor(options: HealthViewOptions) {
    this.#options = options;
    this.#sessions = { path: options.sessionsPath, count: 0, recent: [] };
  }

  /** Grows with every rebuild, and is never behind the event log's position when it was built. */
  get version(): number {
    return this.#version;
  }

  /** The last summary, or none before the first refresh (hello-ok then carries `{}`). */
  get cached(): HealthSummary | undefined {
    return this.#cached;
  }

  /** The summary as the views stand now; no round trip, no version bump. */
  current(): HealthSummary {
    return this.#build(Date.now());
  }

  /** Rebuilds the summary; with `probe`, asks the session-manager first. Probes are single-flight. */
  refresh(probe: boolean): Promise<HealthSummary> {
    if (!probe) return Promise.resolve(this.#rebuild(Date.now()));
    this.#probing ??= this.#probe().finally(() => (this.#probing = undefined));
    return this.#probing;
  }

  async #probe(): Promise<HealthSummary> {
    const started = Date.now();
    try {
      const result = (await this.#options.rpc.call("sessions.list", { limit: 10 }, { requestId: `health-${started}`, edgeId: this.#options.edgeId, role: "operator", scopes: ["operator.read"] }, 5_000)) as {
        path?: string;
        count?: number;
        sessions?: { key: string; updatedAt: number | null }[];
      };
      this.#sessions = {
        path: result.path ?? this.#sessions.path,
        count: result.count ?? 0,
        recent: (result.sessions ?? []).map((s) => ({ key: s.key, updatedAt: s.updatedAt, age: s.updatedAt === null ? null : started - s.updatedAt })),
      };
    } catch (err) {
      // An unreachable session-manager shows in `services`; the summary itself still answers.
      this.#options.log.debug({ err }, "health probe: sessions.list failed");
    }
    return this.#rebuild(started);
  }

  #rebuild(started: number): HealthSummary {
    this.#cached = this.#build(started);
    this.#version = Math.max(this.#version + 1, this.#options.logPosition?.() ?? 0);
    return this.#cached;
  }

  #build(started: number): HealthSummary {
    const now = Date.now();
    const services: Record<string, ServiceHealth> = {};
    for (const instance of this.#options.registry.liveInstances(now)) {
      const service = (services[instance.service] ??= { replicas: [], methods: 0 });
      service.replicas.push({ instanceId: instance.instanceId, version: instance.version, startedAt: instance.startedAt, lastSeenMs: now - instance.ts });
      service.methods = Math.max(service.methods, instance.methods.length);
    }
    const summary: HealthSummary = {
      ok: true,
      ts: now,
      durationMs: now - started,
      channels: {},
      channelOrder: [],
      channelLabels: {},
      heartbeatSeconds: 0,
      defaultAgentId: "main",
      agents: [{ agentId: "main", isDefault: true, heartbeat: { enabled: false, everyMs: null }, sessions: this.#sessions }],
      sessions: this.#sessions,
      services,
      edges: this.#options.presence.liveEdges(now).map((b) => ({ edgeId: b.edgeId, host: b.host, connections: b.connections, lastSeenMs: now - b.ts })),
    };
    return summary;
  }

  /** The original's StatusSummary (spec §7.2), from the same cached views. */
  status(): Record<string, unknown> {
    const sessions = this.#sessions;
    return {
      heartbeat: { defaultAgentId: "main", agents: [{ agentId: "main", enabled: false, every: "disabled", everyMs: null }] },
      channelSummary: [],
      queuedSystemEvents: [],
      sessions: {
        paths: [sessions.path],
        count: sessions.count,
        defaults: { model: null, contextTokens: null },
        recent: sessions.recent,
        byAgent: [{ agentId: "main", path: sessions.path, count: sessions.count, recent: sessions.recent }],
      },
    };
  }
}
