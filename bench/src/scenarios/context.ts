import type { NatsServer } from "@clawdbot/natsd";
import type { Plan } from "../plan.js";
import type { ProcessGroups } from "../proc.js";
import type { Baselines, OurStack } from "../stack.js";
import type { Target } from "../load/messages.js";

/** Something calls can be measured against: our edge, a baseline, or a server given by `--url`. */
export interface CallSystem {
  key: string;
  label: string;
  target: Target;
  method: string;
  params: unknown;
  /** Server-side processes whose CPU is measured: `server` (edge, composite, echo), `nats`, `service`. */
  processes: ProcessGroups;
}

export interface BenchContext {
  plan: Plan;
  log: (message: string) => void;
  nats: NatsServer;
  baselines: Baselines;
  /** Our stack; absent when `--url` points the bench at another server. */
  ours?: OurStack;
  external?: { url: string; token?: string; pid?: number };
}

/**
 * The store-backed read reported beside the forwarded method: `sessions.list` waits for the
 * session-manager's KV mirror to catch up with the bucket (one JetStream round trip per call, a
 * cross-replica read barrier), so it measures that barrier more than the edge.
 */
export const STORE_READ_METHOD = "sessions.list";

/** What the tables of the call scenarios say about their forwarded method and the read-barrier row. */
export function storeReadNote(method: string): string {
  if (method === STORE_READ_METHOD) return `The forwarded method is \`${method}\`: each call includes a JetStream round trip in the session-manager (its read barrier), so these rows measure that barrier as much as the edge.`;
  return `The forwarded method is \`${method}\`, answered by the session-manager from memory; the targets use its row. The \`${STORE_READ_METHOD}\` row is the honest cost of a store-backed read: before answering, the session-manager asks the KV bucket for its last sequence (one JetStream round trip, batched across concurrent calls) so a list never misses a write acknowledged on another replica.`;
}

export interface CallSystemsOptions {
  /** Adds a row for our edge with `sessions.list` (read barrier included) after the main one. */
  storeRead?: boolean;
}

/** The call systems in the order tables list them: the system under test first, then the baselines. */
export function callSystems(ctx: BenchContext, method: string, params: unknown, options: CallSystemsOptions = {}): CallSystem[] {
  const { baselines, nats } = ctx;
  const natsPid = nats.pid!;
  const systems: CallSystem[] = [];
  if (ctx.ours) {
    const ours = ctx.ours;
    const processes = { server: [ours.edges[0]!.pid], nats: [natsPid], service: ours.services.map((s) => s.pid) };
    systems.push({ key: "edge", label: `our edge + session-manager (${method})`, target: ours.target(), method, params, processes });
    if (options.storeRead && method !== STORE_READ_METHOD) {
      systems.push({
        key: "edge-store-read",
        label: `our edge + session-manager (${STORE_READ_METHOD}, includes the JetStream read barrier)`,
        target: ours.target(),
        method: STORE_READ_METHOD,
        params: {},
        processes,
      });
    }
  } else if (ctx.external) {
    systems.push({
      key: "target",
      label: `${ctx.external.url} (${method})`,
      target: { kind: "ws", url: ctx.external.url, token: ctx.external.token, handshake: true, identity: { id: "cli", mode: "cli" } },
      method,
      params,
      processes: ctx.external.pid ? { server: [ctx.external.pid] } : {},
    });
  }
  const echoFrame = { kind: "ws", handshake: false, identity: { id: "cli", mode: "cli" } } as const;
  systems.push(
    {
      key: "composite",
      label: "minimal composite (ws → NATS mux → replier)",
      target: { ...echoFrame, url: baselines.composite.url },
      method,
      params,
      processes: { server: [baselines.composite.pid], nats: [natsPid], service: [baselines.replier.pid] },
    },
    {
      key: "nats-mux",
      label: "raw NATS, one inbox + pending map",
      target: baselines.natsTarget("mux"),
      method,
      params,
      processes: { nats: [natsPid], service: [baselines.replier.pid] },
    },
    {
      key: "nats-request",
      label: "raw NATS, nc.request()",
      target: baselines.natsTarget("request"),
      method,
      params,
      processes: { nats: [natsPid], service: [baselines.replier.pid] },
    },
    {
      key: "echo",
      label: "raw ws echo",
      target: { ...echoFrame, url: baselines.echo.url },
      method,
      params,
      processes: { server: [baselines.echo.pid] },
    },
  );
  return systems;
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
