import type { NatsNames, PresenceEntry, StateVersion } from "@clawdbot/protocol";
import type { RegistryView, RpcClient } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { AuthSettingsHolder } from "./auth-settings.js";
import type { EdgeConfig } from "./config.js";
import type { AdmissionServices } from "./handshake.js";
import type { LocalHandler } from "./handlers/system.js";
import type { AddressConnections, CallLimits } from "./limits.js";
import type { EdgeMetrics } from "./metrics.js";
import type { WriteBatch } from "./write-batch.js";

/** What every connection on this edge shares. */
export interface EdgeContext {
  config: EdgeConfig;
  /** Auth settings, read once per connection so changes apply to the next one. */
  authSettings: AuthSettingsHolder;
  /** Devices, failed-auth limits and pairing events, for handshakes. */
  admission: AdmissionServices;
  log: Logger;
  names: NatsNames;
  rpc: RpcClient;
  registry: RegistryView;
  startedAt: number;
  /** Methods answered by the edge itself, without a NATS round trip. */
  localMethods: ReadonlyMap<string, LocalHandler>;
  /** Hands out request ids unique across edges: `<edgeId>-<n>`. */
  nextRequestId: () => string;
  /** Coalesces each socket's frames within one loop turn into one write. */
  writes: WriteBatch;
  /** Counters and histograms served at `/metrics` (metrics.ts). */
  metrics: EdgeMetrics;
  /** Calls in flight and their caps (limits.ts); a graceful stop waits on it. */
  limits: CallLimits;
  /** Open sockets per client address and their cap (limits.ts). */
  addressConnections: AddressConnections;
  /** False while the edge's NATS connection is down (reconnecting): calls that need NATS fail fast. */
  natsUp: () => boolean;
  /** The state `hello-ok.snapshot` carries. */
  snapshot: () => { presence: PresenceEntry[]; health: unknown; stateVersion: StateVersion };
}
