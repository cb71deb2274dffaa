import { expect, test } from "vitest";
import { accountChat, deliveryLags } from "./chat-accounting.js";
import type { RunCounts } from "./chat-tap.js";

const published = new Map<string, RunCounts>([
  ["b-w0-r0", { deltas: 3, agents: 10, terminals: 1 }],
  ["b-w1-r0", { deltas: 2, agents: 10, terminals: 1 }],
]);

test("every event at every connection: expected = published × connections, ratio 1, no mismatch", () => {
  // Two workers with two connections each: every run's events reach all four.
  const worker = { deltas: new Map([["b-w0-r0", 6], ["b-w1-r0", 4]]), agents: new Map([["b-w0-r0", 20], ["b-w1-r0", 20]]), finals: 4 };
  const account = accountChat(published, [worker, worker], 4, 2);
  expect(account.expected).toEqual({ deltas: 20, agents: 80, finals: 8 });
  expect(account.delivered).toEqual(account.expected);
  expect(account.ratio).toBe(1);
  expect(account.mismatches).toEqual([]);
});

test("a lost delta, a missing final or a run that published nothing is a mismatch", () => {
  const full = { deltas: new Map([["b-w0-r0", 6], ["b-w1-r0", 4]]), agents: new Map([["b-w0-r0", 20], ["b-w1-r0", 20]]), finals: 4 };
  const short = { deltas: new Map([["b-w0-r0", 5], ["b-w1-r0", 4]]), agents: new Map([["b-w0-r0", 20], ["b-w1-r0", 20]]), finals: 3 };
  const account = accountChat(published, [full, short], 4, 3);
  expect(account.delivered).toEqual({ deltas: 19, agents: 80, finals: 7 });
  expect(account.ratio).toBeCloseTo(106 / 112);
  expect(account.mismatches).toEqual(["3 runs sent, 2 published any event", "b-w0-r0: 11 of 12 deltas", "7 of 12 terminal chat events"]);
});

test("delivery lag: each arrival minus the moment the event was on the bus; unknown events left out", () => {
  const busAt = new Map([["r|1|delta", 1_000], ["r|2|final", 2_000]]);
  const lags = deliveryLags(busAt, [new Map([["r|1|delta", [1_500, 1_700]], ["x|1|delta", [9_000]]]), new Map([["r|2|final", [2_100]]])]);
  expect([...lags]).toEqual([500, 700, 100]);
});
