import type { StateVersion } from "@clawdbot/protocol";
import type { Connection, Dialect } from "./connection.js";
import { admitByUpgradeToken, admitConnect, offeredProtocol } from "./handshake.js";
import {
  type JsonRpcCall,
  type JsonRpcResponse,
  errorResponse,
  isResponse,
  notificationText,
  protocolError,
  readCall,
  resultResponse,
} from "./jsonrpc.js";

/**
 * JSON-RPC 2.0 on the same socket (ARCHITECTURE §1.2, §3a): requests, notifications (never
 * answered), batches run concurrently and answered as one array, events as notifications.
 */
export class JsonRpcDialect implements Dialect {
  readonly name = "jsonrpc";
  readonly #conn: Connection;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  /** The token came with the upgrade: connected as an operator, no `connect` needed. */
  admitImplicitly(): void {
    this.#conn.admit(admitByUpgradeToken());
  }

  eventText(event: string, payloadJson: string | undefined, seq?: number, stateVersion?: StateVersion): string {
    return notificationText(event, payloadJson, seq, stateVersion);
  }

  onText(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.#send(protocolError(null, -32700, "Parse error"));
      return;
    }
    if (!Array.isArray(value)) {
      this.#call(value, (response) => response && this.#send(response));
      return;
    }
    const { maxBatch } = this.#conn.edge.config;
    if (value.length === 0) {
      this.#send(protocolError(null, -32600, "Invalid Request: empty batch"));
      return;
    }
    if (value.length > maxBatch) {
      this.#send(protocolError(null, -32006, `batch of ${value.length} requests exceeds the limit of ${maxBatch}`, "PAYLOAD_TOO_LARGE"));
      return;
    }
    const responses: JsonRpcResponse[] = [];
    let pending = value.length;
    const settle = (response: JsonRpcResponse | undefined) => {
      if (response) responses.push(response);
      if (--pending === 0 && responses.length > 0) this.#conn.sendRaw(JSON.stringify(responses));
    };
    for (const entry of value) this.#call(entry, settle);
  }

  #send(response: JsonRpcResponse): void {
    this.#conn.sendRaw(JSON.stringify(response));
  }

  /** `done` runs once, with the response, or with nothing for a notification. */
  #call(value: unknown, done: (response: JsonRpcResponse | undefined) => void): void {
    const call = readCall(value);
    if (isResponse(call)) return done(call);
    if (call.method === "connect" && this.#conn.state === "handshake") return this.#connect(call, done);
    if (this.#conn.state !== "open") {
      return done(call.notification ? undefined : protocolError(call.id, -32001, "not connected: call connect first, or present the gateway token at upgrade", "NOT_CONNECTED"));
    }
    this.#conn.dispatch(
      call.method,
      call.params,
      (outcome) => {
        if (call.notification) return done(undefined);
        done(outcome.ok ? resultResponse(call.id, outcome.result) : errorResponse(call.id, outcome.error));
      },
      // One response per request in JSON-RPC: the early acknowledgement becomes a notification.
      (accepted) => {
        if (call.notification) return;
        const runId = (accepted as { runId?: unknown } | null)?.runId;
        this.#conn.sendRaw(JSON.stringify({ jsonrpc: "2.0", method: `${call.method}.accepted`, params: { id: call.id, runId } }));
      },
    );
  }

  #connect(call: JsonRpcCall, done: (response: JsonRpcResponse | undefined) => void): void {
    const admission = admitConnect(String(call.id ?? "connect"), call.params, this.#conn.admission);
    void this.#conn.whileAdmitting(admission, offeredProtocol(call.params)).then((result) => {
      if (!result.ok) {
        // Answered at once, even inside a batch, because the socket closes right after.
        if (result.response && !call.notification) this.#send(errorResponse(call.id, result.response.error));
        this.#conn.refuse(result.close.code, result.close.reason);
        return done(undefined);
      }
      const hello = this.#conn.admit(result);
      done(call.notification ? undefined : resultResponse(call.id, hello));
    });
  }
}
