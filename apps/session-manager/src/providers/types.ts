/** One turn of the conversation as a provider sees it. */
export interface ChatTurn {
  role: "system" | "user" | "assistant";
  text: string;
}

export interface ProviderRequest {
  model: string;
  /** The conversation so far, the new user message last. */
  messages: ChatTurn[];
  /** Aborts the run: a provider stops yielding and lets its request go (HTTP included). */
  signal: AbortSignal;
}

export interface ProviderUsage {
  input: number;
  output: number;
}

/**
 * A model runtime. `stream` yields the reply's text in pieces as it is produced; `usage`, when
 * the provider reports one, is read after the stream ends.
 */
export interface ModelProvider {
  readonly id: string;
  stream(request: ProviderRequest): AsyncIterable<string>;
  usage?(): ProviderUsage | undefined;
}

/** A provider is created per run, so per-run state (usage) needs no locking. */
export type ProviderFactory = () => ModelProvider;

/** Rejects with the signal's reason when it aborts; otherwise resolves after `ms`. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error("aborted"), { name: "AbortError" });
}
