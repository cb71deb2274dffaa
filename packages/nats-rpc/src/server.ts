import { randomBytes } from "node:crypto";
import {
  type MethodAccess,
  type NatsNames,
  GatewayError,
  formatParamsIssues,
  methodAccess,
  methodDefinition,
  unavailable,
} from "@clawdbot/protocol";
import type { Msg, NatsConnection, Subscription } from "nats";
import type { Logger } from "pino";
import type * as z from "zod";
import { Announcer } from "./announcer.js";
import { isTransientNatsError } from "./transient.js";
import { type CallerContext, CallerContextReader } from "./context.js";
import { type JsonRpcRequest, StageHeader, decodeJson, encodeError, encodeResult } from "./envelope.js";
import { headers as natsHeaders } from "nats";

export interface HandlerContext extends CallerContext {
  method: string;
  /**
   * Sends an interim answer before the final one, with the same request id: the `agent`
   * method's "accepted" acknowledgement (spec §7.8). Only the first call counts.
   */
  accept: (payload: unknown) => void;
  /** A child logger bound to the request id, method and connection id. */
  readonly log: Logger;
}

export interface MethodSpec<P = unknown, R = unknown> {
  /** Scope the edge enforces before forwarding; defaults to the protocol's table (spec §4.6). */
  access?: MethodAccess;
  /** Params schema; defaults to the protocol registry's, else params pass through unchecked. */
  params?: z.ZodType<P>;
  handler: (params: P, context: HandlerContext) => R | Promise<R>;
}

export interface RpcServerOptions {
  nc: NatsConnection;
  names: NatsNames;
  /** Service name: the queue group, so replicas share the load. */
  service: string;
  version: string;
  log: Logger;
  instanceId?: string;
  heartbeatMs?: number;
  /** JetStream replicas of the registry bucket (3 on a cluster). */
  replicas?: number;
  /** Told of every answered request (metrics); runs on the hot path, so keep it cheap. */
  observer?: RpcObserver;
}

export interface RpcObserver {
  /** `error` is what the caller was answered with; undefined for a result. */
  answered(method: string, error: GatewayError | undefined, seconds: number): void;
}

interface Registered {
  spec: MethodSpec;
  access: MethodAccess;
  params: z.ZodType | undefined;
  subscription: Subscription | undefined;
}

/**
 * The serving side of JSON-RPC over NATS. Each method is a queue subscription on its subject;
 * params are validated, anything thrown becomes an error reply (the cause is logged, never
 * lost), and the served methods are announced in the live registry.
 */
export class RpcServer {
  readonly instanceId: string;
  readonly #options: RpcServerOptions;
  readonly #methods = new Map<string, Registered>();
  readonly #announcer: Announcer;
  readonly #callers = new CallerContextReader();
  #started = false;

  constructor(options: RpcServerOptions) {
    this.#options = options;
    this.instanceId = options.instanceId ?? `${options.service}-${randomBytes(4).toString("hex")}`;
    this.#announcer = new Announcer({
      nc: options.nc,
      names: options.names,
      service: options.service,
      instanceId: this.instanceId,
      version: options.version,
      log: options.log,
      heartbeatMs: options.heartbeatMs,
      replicas: options.replicas,
      methods: () => [...this.#methods].map(([name, m]) => ({ name, access: m.access })),
    });
  }

  /** Adds a method; after `start()` it is served and announced at once. */
  register<P, R>(name: string, spec: MethodSpec<P, R>): this {
    if (this.#methods.has(name)) throw new Error(`method ${name} is already registered`);
    const entry: Registered = {
      spec: spec as MethodSpec,
      access: spec.access ?? methodAccess(name),
      params: spec.params ?? methodDefinition(name)?.params,
      subscription: undefined,
    };
    this.#methods.set(name, entry);
    if (this.#started) {
      entry.subscription = this.#subscribe(name, entry);
      void this.#announcer.announce();
    }
    return this;
  }

  /** Registers a family of methods, as exported by an app's `handlers/<family>.ts`. */
  registerAll(family: Record<string, MethodSpec>): this {
    for (const [name, spec] of Object.entries(family)) this.register(name, spec);
    return this;
  }

  /** Stops serving a method (a disabled plugin, say) and announces the change. */
  async unregister(name: string): Promise<void> {
    const entry = this.#methods.get(name);
    if (!entry) return;
    this.#methods.delete(name);
    // After stop() the subscription is already drained; draining again throws SUB_CLOSED.
    if (!this.#started) return;
    await entry.subscription?.drain();
    await this.#announcer.announce();
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const [name, entry] of this.#methods) entry.subscription = this.#subscribe(name, entry);
    await this.#options.nc.flush();
    await this.#announcer.start();
  }

  /** Announces the stop, then lets in-flight requests finish while no new ones arrive. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#announcer.stop();
    await Promise.all([...this.#methods.values()].flatMap((m) => (m.subscription ? [m.subscription.drain()] : [])));
  }

  #subscribe(name: string, entry: Registered): Subscription {
    return this.#options.nc.subscribe(this.#options.names.rpc(name), {
      queue: this.#options.service,
      callback: (_err, msg) => void this.#handle(name, entry, msg),
    });
  }

  #handle(method: string, entry: Registered, msg: Msg): void {
    const started = performance.now();
    let request: JsonRpcRequest;
    try {
      request = decodeJson(msg.data) as JsonRpcRequest;
    } catch (err) {
      this.#options.log.warn({ err, method }, "unparsable request on the bus");
      msg.respond(encodeError(null, new GatewayError("INVALID_REQUEST", "parse error", { kind: "parse" })));
      return;
    }
    const id = typeof request?.id === "string" ? request.id : null;
    const context = new CallContext(this.#callers.read(msg, id ?? "unknown"), method, msg, id, this.#options.log);
    let result: unknown;
    try {
      let params: unknown = request.params ?? {};
      if (entry.params) {
        const parsed = entry.params.safeParse(params);
        if (!parsed.success) {
          throw new GatewayError("INVALID_REQUEST", `invalid ${method} params: ${formatParamsIssues(parsed.error.issues)}`, {
            kind: "invalidParams",
          });
        }
        params = parsed.data;
      }
      result = entry.spec.handler(params, context);
    } catch (err) {
      this.#fail(msg, context, err, started);
      return;
    }
    // A handler that answers at once is answered in the same turn: no promise, no microtask.
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.#succeed(msg, context, value, started),
        (err: unknown) => this.#fail(msg, context, err, started),
      );
    } else {
      this.#succeed(msg, context, result, started);
    }
  }

  #succeed(msg: Msg, context: CallContext, result: unknown, started: number): void {
    try {
      msg.respond(encodeResult(context.answerId, result));
    } catch (err) {
      // A result that cannot be serialised (a cycle, a BigInt) or sent (over the bus's max
      // payload) is the handler's failure, answered as such.
      this.#fail(msg, context, err, started);
      return;
    }
    this.#answered(context, undefined, started);
  }

  #fail(msg: Msg, context: CallContext, err: unknown, started: number): void {
    const error = toGatewayError(err, context);
    try {
      msg.respond(encodeError(context.answerId, error));
    } catch (sendErr) {
      // The connection is closed or going: the caller times out (retryable); never a crash.
      context.log.warn({ err: sendErr, method: context.method }, "could not send an error answer");
    }
    this.#answered(context, error, started);
  }

  #answered(context: HandlerContext, error: GatewayError | undefined, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.#options.observer?.answered(context.method, error, seconds);
    // The request id is the edge's: grep one id to follow a call across processes.
    if (this.#options.log.isLevelEnabled("debug")) context.log.debug({ ms: Math.round(seconds * 10_000) / 10, outcome: error ? error.code : "ok" }, "call answered");
  }
}

/**
 * One call's context. A class rather than a literal with a getter: one is made per call, and the
 * logger is only built when a handler (or a failure) asks for it.
 */
class CallContext implements HandlerContext {
  readonly requestId: string;
  // Declared, not defined: a field the caller did not send stays absent, as on a plain object.
  declare readonly connId?: string;
  declare readonly edgeId?: string;
  declare readonly clientId?: string;
  declare readonly clientMode?: string;
  declare readonly role?: string;
  declare readonly scopes?: readonly string[];
  declare readonly deadline?: number;
  readonly method: string;
  readonly #msg: Msg;
  readonly #id: string | null;
  readonly #baseLog: Logger;
  #log: Logger | undefined;
  #accepted = false;

  constructor(caller: CallerContext, method: string, msg: Msg, id: string | null, baseLog: Logger) {
    Object.assign(this, caller);
    this.requestId = caller.requestId;
    this.method = method;
    this.#msg = msg;
    this.#id = id;
    this.#baseLog = baseLog;
  }

  readonly accept = (payload: unknown): void => {
    if (this.#accepted) return;
    this.#accepted = true;
    const h = natsHeaders();
    h.set(StageHeader, "accepted");
    this.#msg.respond(encodeResult(this.#id, payload), { headers: h });
  };

  /** The JSON-RPC id the answer carries (private: the context handlers see is the caller's). */
  get answerId(): string | null {
    return this.#id;
  }

  get log(): Logger {
    this.#log ??= this.#baseLog.child({ requestId: this.requestId, method: this.method, connId: this.connId });
    return this.#log;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** Anything a handler throws becomes an answer; what was not a GatewayError is logged with its cause. */
function toGatewayError(err: unknown, context: HandlerContext): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isTransientNatsError(err)) {
    // The bus or JetStream is briefly away (a restart, a leader election): the caller may retry.
    context.log.warn({ err }, "handler failed on a transient NATS error");
    return unavailable(`${context.method}: the message bus is not answering (${message || "unavailable"}); try again`, { kind: "unavailable", cause: err });
  }
  context.log.error({ err }, "handler failed");
  // The original answers UNAVAILABLE with the formatted error when a handler throws (spec §5.1).
  return new GatewayError("UNAVAILABLE", message || "handler failed", { kind: "internal", cause: err });
}
