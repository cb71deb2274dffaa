import type { StateVersion } from "@clawdbot/protocol";
import { readRequestFrame } from "./calls.js";
import type { Connection, Dialect } from "./connection.js";
import { errorFrame, eventFrameFromJson, okFrame, okFrameFromJson } from "./frames.js";
import { admitFirstFrame, offeredProtocol } from "./handshake.js";

/** A first frame that is JSON-RPC (a request or a batch of them) switches the connection's dialect. */
function looksLikeJsonRpc(value: unknown): boolean {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return first !== null && typeof first === "object" && (first as { jsonrpc?: unknown }).jsonrpc === "2.0";
}

/** The original's native protocol, 3 or 4 per connection: `req`/`res`/`event` frames (spec §1–§5). */
export class NativeDialect implements Dialect {
  readonly name = "native";
  readonly #conn: Connection;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  eventText(event: string, payloadJson: string | undefined, seq?: number, stateVersion?: StateVersion): string {
    return eventFrameFromJson(event, payloadJson, seq, stateVersion);
  }

  onText(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Before the handshake: close 1000 without a reason (spec §3.4 a). After it: ignored, and
      // the connection stays usable (spec §5.1).
      if (this.#conn.state === "handshake") this.#conn.refuse(1000);
      else this.#conn.log.debug({ bytes: text.length }, "ignoring unparsable frame");
      return;
    }
    if (this.#conn.state === "handshake") this.#handshake(value, text);
    else this.#request(value);
  }

  #handshake(value: unknown, text: string): void {
    if (looksLikeJsonRpc(value)) return this.#conn.switchToJsonRpc(text);
    const offered = offeredProtocol((value as { params?: unknown } | null)?.params);
    void this.#conn.whileAdmitting(admitFirstFrame(value, this.#conn.admission), offered).then((result) => {
      if (!result.ok) {
        if (result.response) this.#conn.sendRaw(errorFrame(result.response.id, result.response.error.toShape()));
        return this.#conn.refuse(result.close.code, result.close.reason);
      }
      const hello = this.#conn.admit(result);
      this.#conn.sendRaw(okFrame(result.requestId, hello));
    });
  }

  #request(value: unknown): void {
    const request = readRequestFrame(value, this.#conn.protocol);
    if ("error" in request) {
      this.#conn.sendRaw(errorFrame(request.id, request.error));
      return;
    }
    this.#conn.dispatch(
      request.method,
      request.params,
      (outcome) => {
        if (!outcome.ok) this.#conn.sendRaw(errorFrame(request.id, outcome.error.toShape()));
        else if (outcome.resultJson !== undefined) this.#conn.sendRaw(okFrameFromJson(request.id, outcome.resultJson));
        else this.#conn.sendRaw(okFrame(request.id, outcome.result));
      },
      // `agent` answers twice with the same id: accepted, then final (spec §7.8).
      (accepted) => this.#conn.sendRaw(okFrame(request.id, accepted)),
    );
  }
}
