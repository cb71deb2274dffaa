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

/** The call systems in the order tables list them: the system under test first, then the baselines. */
export function callSystems(ctx: BenchContext, method: string, params: unknown): CallSystem[] {
  const { baselines, nats } = ctx;
  const natsPid = nats.pid!;
  const systems: CallSystem[] = [];
  if (ctx.ours) {
    const ours = ctx.ours;
    systems.push({
      key: "edge",
      label: `our edge + session-manager (${method})`,
      target: ours.target(),
      method,
      params,
      processes: { server: [ours.edges[0]!.pid], nats: [natsPid], service: ours.services.map((s) => s.pid) },
    });
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
