import type { NatsNames, PresenceEntry, StateVersion } from "@clawdbot/protocol";
import type { RegistryView, RpcClient } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { EdgeConfig } from "./config.js";
import type { LocalHandler } from "./handlers/system.js";

/** What every connection on this edge shares. */
export interface EdgeContext {
  config: EdgeConfig;
  log: Logger;
  names: NatsNames;
  rpc: RpcClient;
  registry: RegistryView;
  startedAt: number;
  /** Methods answered by the edge itself, without a NATS round trip. */
  localMethods: ReadonlyMap<string, LocalHandler>;
  /** Hands out request ids unique across edges: `<edgeId>-<n>`. */
  nextRequestId: () => string;
  /** The state `hello-ok.snapshot` carries. */
  snapshot: () => { presence: PresenceEntry[]; health: unknown; stateVersion: StateVersion };
}
