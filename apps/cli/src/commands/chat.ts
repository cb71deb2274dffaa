import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import type { GatewayClient } from "@clawdbot/protocol";
import type { Command } from "commander";
import { ChatTurn } from "../chat/chat-turn.js";
import { Spinner } from "../chat/spinner.js";
import { resolveConnection } from "../connection-settings.js";
import { callFailure, openGateway } from "../gateway-connection.js";
import { type CliIo, writeLine } from "../io.js";
import { labelled } from "../labelled.js";
import { type ConnectionOptions, parseTimeoutMs, withConnectionOptions } from "../options.js";

interface ChatOptions extends ConnectionOptions {
  session: string;
}

const EXIT_WORDS = new Set(["/exit", "/quit"]);

/**
 * `clawdbot chat`: a terminal chat on one session. Each line is sent with `chat.send`; the reply
 * streams in from `chat` events with a spinner until its first words; Ctrl-C aborts the reply
 * (`chat.abort`), and at the prompt (or Ctrl-D, `/exit`) leaves. With stdin not a terminal,
 * every line is sent in turn and the command ends after the last reply.
 */
export function registerChat(program: Command, io: CliIo): void {
  withConnectionOptions(program.command("chat").description("Chat with the assistant in the terminal").option("--session <key>", "Session key", "main")).action(
    labelled("Chat failed", async (opts: ChatOptions) => {
      const timeoutMs = parseTimeoutMs(opts.timeout, 10_000);
      const settings = resolveConnection(opts, io.env);
      let current: ChatTurn | undefined;
      const { client } = await openGateway(settings, {
        timeoutMs,
        reconnect: true,
        onClose: (info) => {
          if (info.wasOpen) current?.lose("connection lost; reconnecting");
        },
      });
      client.on("chat", (payload) => current?.onEvent(payload));
      const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
      if (interactive) writeLine(io.stdout, `Chatting on session ${opts.session} at ${settings.url}. Ctrl-C stops a reply; Ctrl-D or /exit leaves.`);
      await repl({
        io,
        interactive,
        send: async (text) => {
          const turn = new ChatTurn(randomUUID(), io.stdout, new Spinner(io.stdout, { enabled: interactive, label: "waiting for the reply…" }));
          current = turn;
          try {
            await sendTurn(client, opts.session, text, turn);
            await turn.done;
          } finally {
            current = undefined;
          }
        },
        interrupt: async () => {
          const turn = current;
          if (!turn) return false;
          await client.call("chat.abort", { sessionKey: opts.session, runId: turn.runId }).catch((err: unknown) => turn.lose(`abort failed: ${callFailure(err, "chat.abort").message}`));
          return true;
        },
      });
      client.close();
    }),
  );
}

async function sendTurn(client: GatewayClient, sessionKey: string, message: string, turn: ChatTurn): Promise<void> {
  try {
    const ack = await client.call("chat.send", { sessionKey, message, idempotencyKey: turn.runId });
    if ("aborted" in ack) turn.cancel(ack.runIds.length > 0 ? `[stopped ${ack.runIds.length} run(s)]` : "[nothing to stop]");
    else if (ack.status === "error") turn.cancel(`[error] ${ack.summary ?? "the run failed"}`);
  } catch (err) {
    turn.cancel(`[error] chat.send failed: ${callFailure(err, "chat.send").message}`);
  }
}

interface ReplOptions {
  io: CliIo;
  interactive: boolean;
  send: (text: string) => Promise<void>;
  /** Ctrl-C: true when it aborted a reply, false when there was none (so the chat ends). */
  interrupt: () => Promise<boolean>;
}

/** Lines in, one turn at a time; lines typed during a reply wait their turn. */
function repl(options: ReplOptions): Promise<void> {
  const { io, interactive } = options;
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: interactive, prompt: "you › " });
  const queue: string[] = [];
  let busy = false;
  let closed = false;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const prompt = () => {
    if (interactive && !closed) rl.prompt();
  };
  const pump = async () => {
    if (busy) return;
    busy = true;
    while (queue.length > 0) await options.send(queue.shift()!);
    busy = false;
    if (closed) finish();
    else prompt();
  };
  rl.on("line", (line) => {
    const text = line.trim();
    if (EXIT_WORDS.has(text)) return rl.close();
    if (!text) return prompt();
    queue.push(text);
    void pump();
  });
  const onInterrupt = () => {
    void options.interrupt().then((aborted) => {
      if (!aborted) rl.close();
    });
  };
  rl.on("SIGINT", onInterrupt); // a terminal: readline turns Ctrl-C into this
  process.on("SIGINT", onInterrupt); // anything else: the signal itself
  rl.on("close", () => {
    closed = true;
    process.removeListener("SIGINT", onInterrupt);
    if (interactive) writeLine(io.stdout);
    if (!busy) finish();
  });
  prompt();
  return finished;
}
