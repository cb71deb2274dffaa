// The bench's own subscriber to a chat batch's events on NATS: what the service published (the
// count every client must then receive), when each chat event was on the bus, and the recording
// the bare-broadcast baseline replays with the same timing.
import type { NatsConnection, Subscription } from "nats";

export type StreamEvent = "chat" | "agent";

export interface TappedEvent {
  event: StreamEvent;
  data: Uint8Array;
  /** Monotonic µs at which the tap received it. */
  atUs: number;
}

/** What the service published for one run. */
export interface RunCounts {
  deltas: number;
  agents: number;
  terminals: number;
}

export interface Published {
  runs: number;
  deltas: number;
  agents: number;
  terminals: number;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const decoder = new TextDecoder();

/** The key a chat event is matched by between the tap and the clients. */
export function chatEventKey(runId: string, seq: number, state: string): string {
  return `${runId}|${seq}|${state}`;
}

export class EventTap {
  readonly events: TappedEvent[] = [];
  readonly runs = new Map<string, RunCounts>();
  /** Monotonic µs at which each chat event (`chatEventKey`) was seen on the bus. */
  readonly chatAt = new Map<string, number>();
  readonly #runPrefix: string;
  readonly #subscriptions: Subscription[];

  constructor(nc: NatsConnection, subjectFor: (event: StreamEvent) => string, batch: string) {
    this.#runPrefix = `${batch}-`;
    this.#subscriptions = (["chat", "agent"] as const).map((event) =>
      nc.subscribe(subjectFor(event), { callback: (_err, msg) => this.#onEvent(event, msg.data) }),
    );
  }

  get published(): Published {
    const total: Published = { runs: this.runs.size, deltas: 0, agents: 0, terminals: 0 };
    for (const r of this.runs.values()) {
      total.deltas += r.deltas;
      total.agents += r.agents;
      total.terminals += r.terminals;
    }
    return total;
  }

  /** µs between the first and the last event seen. */
  get spanUs(): number {
    return this.events.length ? this.events[this.events.length - 1]!.atUs - this.events[0]!.atUs : 0;
  }

  stop(): void {
    for (const s of this.#subscriptions) s.unsubscribe();
  }

  #onEvent(event: StreamEvent, data: Uint8Array): void {
    const atUs = nowUs();
    const payload = JSON.parse(decoder.decode(data)) as { runId?: string; seq?: number; state?: string };
    const runId = payload.runId;
    if (!runId?.startsWith(this.#runPrefix)) return;
    this.events.push({ event, data: data.slice(), atUs });
    let counts = this.runs.get(runId);
    if (!counts) this.runs.set(runId, (counts = { deltas: 0, agents: 0, terminals: 0 }));
    if (event === "agent") {
      counts.agents++;
      return;
    }
    this.chatAt.set(chatEventKey(runId, payload.seq ?? -1, payload.state ?? ""), atUs);
    if (payload.state === "delta") counts.deltas++;
    else counts.terminals++;
  }
}

/**
 * Publishes recorded events again with their recorded spacing (the baseline gets the very stream
 * our stack produced). Resolves with how many were published once the last one is out.
 */
export function replay(nc: NatsConnection, events: readonly TappedEvent[], subjectFor: (event: StreamEvent) => string): Promise<number> {
  if (events.length === 0) return Promise.resolve(0);
  const origin = events[0]!.atUs;
  const started = nowUs();
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = nowUs() - started;
      while (next < events.length && events[next]!.atUs - origin <= elapsed) {
        const e = events[next++]!;
        nc.publish(subjectFor(e.event), e.data);
      }
      if (next === events.length) resolve(next);
      else setTimeout(tick, Math.max(0, (events[next]!.atUs - origin - (nowUs() - started)) / 1000));
    };
    tick();
  });
}
