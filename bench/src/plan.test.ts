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

test("bad arguments are usage errors", () => {
  expect(() => planFromArgs(["--only", "nope"])).toThrow(UsageError);
  expect(() => planFromArgs(["--url", "http://x"])).toThrow(UsageError);
  expect(() => planFromArgs(["--params", "{"])).toThrow(UsageError);
  expect(() => planFromArgs(["--bogus"])).toThrow(UsageError);
});
