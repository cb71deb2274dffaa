import { expect, test } from "vitest";
import { SCENARIOS, UsageError, planFromArgs } from "./plan.js";

test("the default run repeats everything three times; --quick once, with smaller counts", () => {
  const full = planFromArgs([]);
  const quick = planFromArgs(["--quick"]);
  expect(full.runs).toBe(3);
  expect(full.idleConnections).toBe(10_000);
  expect(full.fanoutClients).toBe(1_000);
  expect(quick.runs).toBe(1);
  expect(quick.idleConnections).toBe(1_000);
  expect(quick.fanoutClients).toBe(200);
  expect(full.only).toEqual([...SCENARIOS]);
});

test("--url, --token, --only and --params", () => {
  const plan = planFromArgs(["--url", "ws://127.0.0.1:18789", "--token", "t", "--only", "latency,edge-local", "--params", '{"limit":1}']);
  expect(plan).toMatchObject({ url: "ws://127.0.0.1:18789", token: "t", only: ["latency", "edge-local"], params: { limit: 1 } });
});

test("--only runs scenarios in the canonical order, whatever order they are given in", () => {
  expect(planFromArgs(["--only", "chat,latency,throughput"]).only).toEqual(["latency", "throughput", "chat"]);
});

test("bad arguments are usage errors", () => {
  expect(() => planFromArgs(["--only", "nope"])).toThrow(UsageError);
  expect(() => planFromArgs(["--url", "http://x"])).toThrow(UsageError);
  expect(() => planFromArgs(["--params", "{"])).toThrow(UsageError);
  expect(() => planFromArgs(["--bogus"])).toThrow(UsageError);
});

test("the call scenarios forward agents.list unless --method says otherwise; chat runs 100 runs in both modes", () => {
  expect(planFromArgs([]).method).toBe("agents.list");
  expect(planFromArgs(["--method", "sessions.list"]).method).toBe("sessions.list");
  const quick = planFromArgs(["--quick"]);
  expect(quick).toMatchObject({ chatRuns: 100, chatConnections: 16, chatWords: 40, chatWordDelayMs: 40, chatDeltaThrottleMs: 150 });
  expect(quick.chatWarmupRuns).toBeLessThan(planFromArgs([]).chatWarmupRuns);
});
