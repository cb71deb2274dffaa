import { DEFAULT_NATS_PREFIX } from "./constants.js";

const PREFIX_PATTERN = /^[A-Za-z0-9_-]+$/;
// A method becomes subject tokens, so it may use only characters that are safe inside a token.
const METHOD_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** True when a method name can travel as a NATS subject (no wildcards, spaces or empty tokens). */
export function isRoutableMethod(method: string): boolean {
  return method.length <= 200 && METHOD_PATTERN.test(method);
}

/**
 * Every NATS name the gateway uses, under one namespace prefix (`CLAWDBOT_NATS_PREFIX`), so two
 * deployments can share a server without answering each other. Build names here; never
 * concatenate subjects at call sites.
 *
 * @example
 * const s = natsNames("gw");
 * s.rpc("sessions.list"); // "gw.rpc.sessions.list"
 */
export function natsNames(prefix: string = DEFAULT_NATS_PREFIX) {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`invalid NATS prefix ${JSON.stringify(prefix)}: use letters, digits, '_' or '-'`);
  }
  return {
    prefix,
    /** Request subject of a method; services subscribe to it in their queue group. */
    rpc: (method: string) => {
      if (!isRoutableMethod(method)) throw new Error(`method name is not routable: ${JSON.stringify(method)}`);
      return `${prefix}.rpc.${method}`;
    },
    rpcWildcard: `${prefix}.rpc.>`,
    /** Subject an event is published on; each edge subscribes to `eventWildcard` once. */
    event: (event: string) => `${prefix}.evt.${event}`,
    eventWildcard: `${prefix}.evt.>`,
    /** Stream that keeps every broadcast event for a while: its sequence is the events' `seq` on every edge. */
    eventsStream: `${prefix}_events`,
    /** Subjects one edge listens on: targeted events and late responses keyed by connection id. */
    edge: (edgeId: string, ...rest: string[]) => [`${prefix}.edge.${edgeId}`, ...rest].join("."),
    edgeWildcard: (edgeId: string) => `${prefix}.edge.${edgeId}.>`,
    /** Service-to-service calls, never on the edge's `rpc` space. */
    internal: (name: string) => `${prefix}.internal.${name}`,
    /** Inbox prefix for reply subjects of one process. */
    inbox: (id: string) => `_INBOX.${prefix}.${id}`,
    /** KV bucket where services announce the methods they serve. */
    registryBucket: `${prefix}_registry`,
    /** KV bucket of presence entries and edge heartbeats, shared by every edge. */
    presenceBucket: `${prefix}_presence`,
    /** KV bucket of the sessions index: one key per session (the original's `sessions.json`). */
    sessionsBucket: `${prefix}_sessions`,
    /** Stream of transcripts, one subject per session id (the original's `<sessionId>.jsonl`). */
    transcriptsStream: `${prefix}_transcripts`,
    /** Subject of one transcript; `token` must already be a single subject token. */
    transcript: (token: string) => `${prefix}.transcript.${token}`,
    transcriptWildcard: `${prefix}.transcript.>`,
    /** KV bucket of chat/agent runs in flight: owner replica, lease, session. */
    runsBucket: `${prefix}_runs`,
    /** KV bucket of idempotency entries (`chat:<key>`, `agent:<key>`); entries age out after 5 min. */
    dedupeBucket: `${prefix}_dedupe`,
    /** KV bucket of finished runs for `agent.wait`; entries age out after 10 min. */
    runResultsBucket: `${prefix}_run_results`,
    /** KV bucket of the config-service: the published effective config, runtime overrides, the write lease. */
    configBucket: `${prefix}_config`,
    /** KV bucket of paired devices (with their tokens) and pending pairing requests, shared by every edge. */
    devicesBucket: `${prefix}_devices`,
    /** Edges tell each other about failed auth attempts here, so rate limits hold across edges. */
    authFailures: `${prefix}.internal.auth.failure`,
    /** KV bucket of discovered plugins' manifests (key = plugin id), for config.schema and validation. */
    pluginManifestBucket: `${prefix}_plugin_manifests`,
    /** KV bucket of plugins' own state (`api.storage`), keyed `<pluginId>.<key>`, shared by every plugin-host replica. */
    pluginStateBucket: `${prefix}_plugin_state`,
  };
}
export type NatsNames = ReturnType<typeof natsNames>;
