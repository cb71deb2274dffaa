import type { PluginMethodScope } from "@clawdbot/protocol";
import type { MethodContext } from "@clawdbot/plugin-sdk";

/** What a plugin's worker starts with (its `workerData`). */
export interface WorkerInit {
  pluginId: string;
  name: string;
  version: string | undefined;
  description: string | undefined;
  source: string;
  rootDir: string;
  stateDir: string;
  workspaceDir: string;
  config: Record<string, unknown>;
  pluginConfig: Record<string, unknown>;
  logLevel: string;
  /** Where `@clawdbot/plugin-sdk` (and its `clawdbot/` and `moltbot/` aliases) resolve to. */
  sdkUrl: string;
}

/** The caller of a plugin method, as far as a plugin gets to know it: the SDK's context without what the worker adds. */
export type CallContext = Omit<MethodContext, "method" | "log">;

export interface WireError {
  code: string;
  message: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

export type HostToWorker =
  | { type: "call"; callId: number; method: string; params: unknown; context: CallContext }
  | { type: "start"; instanceId: string }
  | { type: "stop"; reason: string }
  | { type: "config"; config: Record<string, unknown>; pluginConfig: Record<string, unknown> }
  | { type: "storage-result"; requestId: number; ok: true; value?: string }
  /** `transient`: NATS could not be reached in time; the same call may work in a moment. */
  | { type: "storage-result"; requestId: number; ok: false; message: string; transient?: boolean }
  | { type: "ping"; n: number };

export interface RegisteredMethod {
  name: string;
  scope: PluginMethodScope;
}

export type WorkerToHost =
  | { type: "registered"; methods: RegisteredMethod[]; services: string[]; hooks: string[] }
  | { type: "load-error"; message: string }
  /** `json` is the result serialised in the worker, so a value JSON cannot carry fails there. */
  | { type: "result"; callId: number; ok: true; json: string }
  | { type: "result"; callId: number; ok: false; error: WireError }
  | { type: "started" }
  | { type: "stopped" }
  | { type: "config-applied" }
  | { type: "event"; event: string; json: string; dropIfSlow: boolean }
  | { type: "storage"; requestId: number; op: "get" | "delete"; key: string }
  | { type: "storage"; requestId: number; op: "set"; key: string; json: string }
  | { type: "diagnostic"; level: "warn" | "error"; message: string }
  | { type: "pong"; n: number };
