import type { ChatEventPayload } from "@clawdbot/protocol";
import type { Spinner } from "./spinner.js";

/** How a turn ended: the run's last chat state, or `lost` when the connection went first. */
export interface TurnEnd {
  state: "final" | "aborted" | "error" | "lost";
  text: string;
  errorMessage?: string;
}

/** The text of a chat message: its text parts joined (string content taken as is). */
export function messageText(message: unknown): string {
  const content = (message as { content?: unknown } | undefined)?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part: { type?: unknown; text?: unknown }) => (part?.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

/**
 * Deltas carry the whole reply so far (spec §8); only what was not shown yet is printed. When a
 * delta does not extend what is on screen, the reply is printed again on a fresh line.
 */
export class ReplyText {
  #shown = "";

  get shown(): string {
    return this.#shown;
  }

  next(full: string): string {
    if (full.startsWith(this.#shown)) {
      const added = full.slice(this.#shown.length);
      this.#shown = full;
      return added;
    }
    this.#shown = full;
    return `\n${full}`;
  }
}

/**
 * One message and its reply: prints the reply as `chat` events stream in (the spinner runs
 * until the first text) and resolves `done` on final, aborted or error.
 */
export class ChatTurn {
  readonly runId: string;
  readonly done: Promise<TurnEnd>;
  readonly #out: NodeJS.WritableStream;
  readonly #spinner: Spinner;
  readonly #reply = new ReplyText();
  #started = false;
  #ended = false;
  #resolve!: (end: TurnEnd) => void;

  constructor(runId: string, out: NodeJS.WritableStream, spinner: Spinner) {
    this.runId = runId;
    this.#out = out;
    this.#spinner = spinner;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    spinner.start();
  }

  get ended(): boolean {
    return this.#ended;
  }

  onEvent(event: ChatEventPayload): void {
    if (this.#ended || event.runId !== this.runId) return;
    const text = messageText(event.message);
    if (event.state === "delta") return this.#print(text);
    if (event.state === "final") {
      this.#print(text);
      return this.#end({ state: "final", text: this.#reply.shown }, "\n");
    }
    if (event.state === "aborted") {
      if (text) this.#print(text);
      return this.#end({ state: "aborted", text: this.#reply.shown }, `${this.#started ? " " : "assistant › "}[aborted]\n`);
    }
    const message = event.errorMessage ?? "the run failed";
    this.#end({ state: "error", text: this.#reply.shown, errorMessage: message }, `${this.#started ? "\n" : ""}[error] ${message}\n`);
  }

  /** The connection went away mid-run: the reply may go on at the gateway, unseen. */
  lose(reason: string): void {
    this.#end({ state: "lost", text: this.#reply.shown }, `${this.#started ? "\n" : ""}[${reason}]\n`);
  }

  /** Ends without a reply (chat.send was refused, or answered a stop command). */
  cancel(note: string): void {
    this.#end({ state: "error", text: "", errorMessage: note }, `${note}\n`);
  }

  #print(text: string): void {
    const added = this.#reply.next(text);
    if (!added) return;
    if (!this.#started) {
      this.#spinner.stop();
      this.#out.write("assistant › ");
      this.#started = true;
    }
    this.#out.write(added);
  }

  #end(end: TurnEnd, trailer: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#spinner.stop();
    this.#out.write(trailer);
    this.#resolve(end);
  }
}
