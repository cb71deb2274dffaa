// A load-generating child process: holds connections (ws or NATS), runs sequential or pipelined
// calls, and listens for fan-out events, as told over IPC by the bench's main process.
import { performance } from "node:perf_hooks";
import { type Caller, NatsCaller, WsCaller } from "./callers.js";
import { ChatListener } from "./chat.js";
import type { ChatResult, Command, ConnectResult, LoadResult, SeqResult, WorkerMessage } from "./messages.js";

const callers: Caller[] = [];
let chat: ChatListener | undefined;

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const STALL_MS = 30_000;

/** Rejects when `progress()` has not moved for STALL_MS: a server that stopped answering fails the run instead of hanging it. */
function watchdog<T>(work: Promise<T>, progress: () => number, what: string): Promise<T> {
  let last = progress();
  let lastChange = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const now = progress();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > STALL_MS) {
        reject(new Error(`${what}: no answer for ${STALL_MS / 1000} s`));
      }
    }, 1_000);
  });
  return Promise.race([work, stalled]).finally(() => clearInterval(timer));
}

function send(message: WorkerMessage): void {
  process.send!(message);
}

async function connectAll(command: Extract<Command, { op: "connect" }>): Promise<ConnectResult> {
  const started = performance.now();
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const open = async () => {
    while (next < command.count) {
      next++;
      try {
        callers.push(command.target.kind === "ws" ? await WsCaller.open(command.target) : await NatsCaller.open(command.target));
        opened++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(command.concurrency, command.count)) }, open));
  return { opened, failed, ms: performance.now() - started, ...(firstError ? { firstError } : {}) };
}

function sequential(command: Extract<Command, { op: "seq" }>): Promise<SeqResult> {
  const caller = callers[0];
  if (!caller) throw new Error("no connection");
  caller.prepare(command.method, command.params);
  const latencies = new Float64Array(command.count);
  let errors = 0;
  let i = -command.warmup;
  const work = new Promise<SeqResult>((resolve) => {
    const one = () => {
      const t0 = process.hrtime.bigint();
      caller.call((ok) => {
        const us = Number(process.hrtime.bigint() - t0) / 1000;
        if (i >= 0) {
          latencies[i] = us;
          if (!ok) errors++;
        }
        i++;
        if (i < command.count) one();
        else resolve({ latencies, errors });
      });
    };
    one();
  });
  return watchdog(work, () => i, "sequential calls");
}

function pipelined(command: Extract<Command, { op: "load" }>): Promise<LoadResult> {
  if (command.inflight === 0) return Promise.resolve({ calls: 0, errors: 0, windowMs: command.durationMs, latencies: new Float64Array(0) });
  if (callers.length === 0) throw new Error("no connection");
  for (const caller of callers) caller.prepare(command.method, command.params);
  const start = performance.now() + command.warmupMs;
  const end = start + command.durationMs;
  const latencies: number[] = [];
  let calls = 0;
  let errors = 0;
  let running = command.inflight;
  let answered = 0;
  const work = new Promise<LoadResult>((resolve) => {
    const slot = (caller: Caller) => {
      const t0 = performance.now();
      caller.call((ok) => {
        answered++;
        const t1 = performance.now();
        if (t1 >= start && t1 < end) {
          calls++;
          if (!ok) errors++;
          latencies.push((t1 - t0) * 1000);
        }
        if (t1 < end) slot(caller);
        else if (--running === 0) resolve({ calls, errors, windowMs: command.durationMs, latencies: Float64Array.from(latencies) });
      });
    };
    for (let s = 0; s < command.inflight; s++) slot(callers[s % callers.length]!);
  });
  return watchdog(work, () => answered, "pipelined calls");
}

/** Counts, per bench event, how many of this worker's sockets have it, and says when all do. */
function listen(): void {
  const seen = new Map<number, { count: number; firstUs: number; lastUs: number }>();
  const total = callers.length;
  for (const caller of callers) {
    if (!(caller instanceof WsCaller)) continue;
    caller.onEvent = (n) => {
      const t = nowUs();
      let entry = seen.get(n);
      if (!entry) seen.set(n, (entry = { count: 0, firstUs: t, lastUs: t }));
      entry.count++;
      entry.lastUs = t;
      if (entry.count === total) {
        seen.delete(n);
        send({ type: "event-done", n, firstUs: entry.firstUs, lastUs: entry.lastUs });
      }
    };
  }
}

function chatListener(): ChatListener {
  if (!chat) throw new Error("chat-listen first");
  return chat;
}

/** Waits until every connection has every run's final; a stream that stops moving fails the run. */
async function chatWait(): Promise<ChatResult> {
  const listener = chatListener();
  try {
    await watchdog(listener.finished, () => listener.seen, "chat runs").catch((err: unknown) => {
      throw new Error(`${(err as Error).message} (${listener.describe()})`);
    });
    return listener.result();
  } finally {
    listener.stop();
    chat = undefined;
  }
}

async function closeAll(): Promise<number> {
  const all = callers.splice(0);
  for (let i = 0; i < all.length; i += 500) await Promise.all(all.slice(i, i + 500).map((c) => c.close()));
  return all.length;
}

async function run(command: Command): Promise<unknown> {
  switch (command.op) {
    case "connect":
      return connectAll(command);
    case "seq":
      return sequential(command);
    case "load":
      return pipelined(command);
    case "listen":
      return listen();
    case "chat-listen":
      chat = new ChatListener(callers.filter((c): c is WsCaller => c instanceof WsCaller), command.batch, command.totalRuns, command.finalText);
      return undefined;
    case "chat-send":
      return watchdog(chatListener().send(command.worker, command.runs, command.message), () => chatListener().seen, "chat.send");
    case "chat-progress":
      return chatListener().progress();
    case "chat-wait":
      return chatWait();
    case "close":
      return closeAll();
    case "memory":
      return process.memoryUsage();
  }
}

process.on("message", (message: Command & { rid: number }) => {
  run(message).then(
    (result) => send({ rid: message.rid, ok: true, result }),
    (err: unknown) => send({ rid: message.rid, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on("disconnect", () => process.exit(0));
