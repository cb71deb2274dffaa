import { ChatEvent } from "@clawdbot/protocol";

// The `chat` event is the one payload that differs between the versions (protocol-v4-delta
// §6.2). Services publish it once; each edge shapes it per version, once per event.

const V3_KEYS: ReadonlySet<string> = new Set(ChatEvent.keyof().options);
// Runs whose terminal event never reached this edge are forgotten oldest first.
const MAX_TRACKED_RUNS = 4096;

type Payload = Record<string, unknown> & { runId: string; state: string };

/** One `chat` event as each version receives it. */
export interface ShapedChat {
  runId: string;
  /** A final, aborted or error event: the run's text tracking ends. */
  terminal: boolean;
  /** The payload JSON for v3 clients: the closed 4-state shape, cumulative `message`; null when v3 gets nothing (`status`). */
  v3: string | null;
  /** The payload JSON for v4 clients: deltas carry `deltaText`, `replace: true` when the text did not extend. */
  v4: string;
  /** For a v4 client that missed an earlier delta of this run: the whole text, `replace: true`. */
  v4Resync(): string;
}

/** The text of a chat `message` (`{content: [{type: "text", text}]}` or a string content). */
export function messageText(message: unknown): string | undefined {
  if (message === null || typeof message !== "object") return undefined;
  const { content, text } = message as { content?: unknown; text?: unknown };
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown) => (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : "")).join("");
  }
  return typeof text === "string" ? text : undefined;
}

function v3Shape(payload: Payload, payloadJson: string): string | null {
  if (payload.state === "status") return null;
  const extra = Object.keys(payload).filter((key) => !V3_KEYS.has(key));
  if (extra.length === 0) return payloadJson;
  const closed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) if (V3_KEYS.has(key)) closed[key] = value;
  return JSON.stringify(closed);
}

/**
 * Shapes `chat` events per version and remembers, per run, the text last broadcast, so each v4
 * delta carries the increment since the previous one. Services may publish either shape.
 */
export class ChatShaper {
  readonly #lastText = new Map<string, string>();

  get trackedRuns(): number {
    return this.#lastText.size;
  }

  /** null when the payload is not a chat event this edge can read (it is then passed on as is). */
  shape(payloadJson: string | undefined): ShapedChat | null {
    const payload = parse(payloadJson);
    if (!payload) return null;
    const { runId, state } = payload;
    const terminal = state === "final" || state === "aborted" || state === "error";
    if (terminal) this.#lastText.delete(runId);
    if (state !== "delta") {
      return { runId, terminal, v3: v3Shape(payload, payloadJson!), v4: payloadJson!, v4Resync: () => payloadJson! };
    }
    const previous = this.#lastText.get(runId) ?? "";
    const given = typeof payload.deltaText === "string" ? payload.deltaText : undefined;
    const text = messageText(payload.message) ?? (given === undefined ? previous : payload.replace === true ? given : previous + given);
    this.#remember(runId, text);
    let v4 = payloadJson!;
    if (given === undefined) {
      const extends_ = text.startsWith(previous);
      v4 = JSON.stringify({ ...payload, deltaText: extends_ ? text.slice(previous.length) : text, ...(extends_ ? {} : { replace: true }) });
    }
    return {
      runId,
      terminal,
      v3: v3Shape(payload, payloadJson!),
      v4,
      v4Resync: () => JSON.stringify({ ...payload, deltaText: text, replace: true }),
    };
  }

  #remember(runId: string, text: string): void {
    this.#lastText.delete(runId);
    this.#lastText.set(runId, text);
    if (this.#lastText.size > MAX_TRACKED_RUNS) this.#lastText.delete(this.#lastText.keys().next().value!);
  }
}

function parse(payloadJson: string | undefined): Payload | null {
  if (!payloadJson) return null;
  try {
    const value: unknown = JSON.parse(payloadJson);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
    const { runId, state } = value as { runId?: unknown; state?: unknown };
    return typeof runId === "string" && typeof state === "string" ? (value as Payload) : null;
  } catch {
    return null;
  }
}
