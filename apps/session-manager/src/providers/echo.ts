import { type ModelProvider, type ProviderRequest, type ProviderUsage, sleep } from "./types.js";

export const ECHO_PROVIDER_ID = "echo";
export const ECHO_MODEL = { id: "echo", name: "Echo", provider: ECHO_PROVIDER_ID } as const;

/** The echo provider's whole reply to a message. */
export function echoReply(message: string): string {
  return `echo: ${message}`;
}

/** The reply cut into words, each with the whitespace after it, so the pieces join back exactly. */
export function echoPieces(reply: string): string[] {
  return reply.match(/\s*\S+\s*/g) ?? [reply];
}

/**
 * The built-in default provider: needs no network and no key, and streams a deterministic reply
 * ("echo: <message>") word by word with a pause between words, so `pnpm dev` and tests see real
 * streaming, throttled deltas and abortable runs.
 */
export class EchoProvider implements ModelProvider {
  readonly id = ECHO_PROVIDER_ID;
  readonly #wordDelayMs: number;
  #usage: ProviderUsage | undefined;

  constructor(wordDelayMs: number) {
    this.#wordDelayMs = wordDelayMs;
  }

  async *stream(request: ProviderRequest): AsyncIterable<string> {
    const last = [...request.messages].reverse().find((m) => m.role === "user");
    const pieces = echoPieces(echoReply(last?.text ?? ""));
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && this.#wordDelayMs > 0) await sleep(this.#wordDelayMs, request.signal);
      else if (request.signal.aborted) await sleep(0, request.signal);
      yield pieces[i]!;
    }
    this.#usage = { input: countWords(last?.text ?? ""), output: pieces.length };
  }

  usage(): ProviderUsage | undefined {
    return this.#usage;
  }
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
