import type { ModelProvider, ProviderRequest, ProviderUsage } from "./types.js";

export interface OpenAiCompatibleOptions {
  id: string;
  /** e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama). */
  baseUrl: string;
  apiKey?: string;
}

interface StreamChunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

/**
 * Any server that speaks OpenAI's chat-completions streaming (a hosted API, Ollama, vLLM, LM
 * Studio). The run's abort signal is the request's signal, so aborting a run closes the HTTP
 * request and the server stops generating.
 */
export class OpenAiCompatibleProvider implements ModelProvider {
  readonly id: string;
  readonly #options: OpenAiCompatibleOptions;
  #usage: ProviderUsage | undefined;

  constructor(options: OpenAiCompatibleOptions) {
    this.id = options.id;
    this.#options = options;
  }

  async *stream(request: ProviderRequest): AsyncIterable<string> {
    const url = `${this.#options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
    const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
    const response = await fetch(url, {
      method: "POST",
      headers,
      signal: request.signal,
      body: JSON.stringify({
        model: request.model,
        stream: true,
        stream_options: { include_usage: true },
        messages: request.messages.map((m) => ({ role: m.role, content: m.text })),
      }),
    });
    if (!response.ok || !response.body) {
      const detail = (await response.text().catch(() => "")).slice(0, 500);
      throw new Error(`${this.id}: HTTP ${response.status}${detail ? `: ${detail}` : ""}`);
    }
    for await (const data of sseData(response.body)) {
      if (data === "[DONE]") return;
      let chunk: StreamChunk;
      try {
        chunk = JSON.parse(data) as StreamChunk;
      } catch {
        continue; // keep-alive comments and partial garbage are not fatal
      }
      if (chunk.error) throw new Error(`${this.id}: ${chunk.error.message ?? "stream error"}`);
      if (chunk.usage) this.#usage = { input: chunk.usage.prompt_tokens ?? 0, output: chunk.usage.completion_tokens ?? 0 };
      const content = chunk.choices?.[0]?.delta?.content;
      if (content) yield content;
    }
  }

  usage(): ProviderUsage | undefined {
    return this.#usage;
  }
}

/** The `data:` payloads of a server-sent event stream, one per event. */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let lines: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      if (line === "") {
        if (lines.length > 0) yield lines.join("\n");
        lines = [];
      } else if (line.startsWith("data:")) {
        lines.push(line.slice(5).replace(/^ /, ""));
      }
    }
  }
  if (lines.length > 0) yield lines.join("\n");
}
