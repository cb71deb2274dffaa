// Every chat event accounted for: what the clients received against what the service published
// times the number of connections (each operator client receives every run's events).
import type { ChatResult } from "../load/messages.js";
import type { RunCounts } from "./chat-tap.js";

export interface EventCounts {
  deltas: number;
  agents: number;
  finals: number;
}

export interface ChatAccount {
  expected: EventCounts;
  delivered: EventCounts;
  /** Delivered ÷ expected over all chat and agent events (1 when nothing was lost). */
  ratio: number;
  /** Runs whose deliveries differ from what was published, described ("r3: 150 of 160 deltas"). */
  mismatches: string[];
}

type Delivered = Pick<ChatResult, "deltas" | "agents" | "finals">;

/**
 * Compares, run by run, the events the clients got with what the tap saw published × `connections`.
 * `sent` are the runs started; a run that published nothing is a mismatch too.
 */
export function accountChat(published: ReadonlyMap<string, RunCounts>, results: readonly Delivered[], connections: number, sent: number): ChatAccount {
  const deltas = new Map<string, number>();
  const agents = new Map<string, number>();
  let finals = 0;
  for (const r of results) {
    for (const [run, n] of r.deltas) deltas.set(run, (deltas.get(run) ?? 0) + n);
    for (const [run, n] of r.agents) agents.set(run, (agents.get(run) ?? 0) + n);
    finals += r.finals;
  }
  const expected: EventCounts = { deltas: 0, agents: 0, finals: sent * connections };
  const delivered: EventCounts = { deltas: 0, agents: 0, finals };
  const mismatches: string[] = [];
  if (published.size !== sent) mismatches.push(`${sent} runs sent, ${published.size} published any event`);
  const runs = new Set([...published.keys(), ...deltas.keys(), ...agents.keys()]);
  for (const run of [...runs].sort()) {
    const p = published.get(run) ?? { deltas: 0, agents: 0, terminals: 0 };
    const d = deltas.get(run) ?? 0;
    const a = agents.get(run) ?? 0;
    expected.deltas += p.deltas * connections;
    expected.agents += p.agents * connections;
    delivered.deltas += d;
    delivered.agents += a;
    if (d !== p.deltas * connections) mismatches.push(`${run}: ${d} of ${p.deltas * connections} deltas`);
    if (a !== p.agents * connections) mismatches.push(`${run}: ${a} of ${p.agents * connections} agent events`);
  }
  if (finals !== expected.finals) mismatches.push(`${finals} of ${expected.finals} terminal chat events`);
  const all = (c: EventCounts) => c.deltas + c.agents + c.finals;
  return { expected, delivered, ratio: all(expected) > 0 ? all(delivered) / all(expected) : NaN, mismatches };
}

/** µs from the tap seeing each chat event on the bus to each client having it; unmatched arrivals are left out. */
export function deliveryLags(busAt: ReadonlyMap<string, number>, arrivals: readonly ReadonlyMap<string, readonly number[]>[]): Float64Array {
  const lags: number[] = [];
  for (const worker of arrivals) {
    for (const [key, times] of worker) {
      const at = busAt.get(key);
      if (at === undefined) continue;
      for (const t of times) lags.push(t - at);
    }
  }
  return Float64Array.from(lags);
}
