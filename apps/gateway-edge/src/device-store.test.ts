import { randomBytes } from "node:crypto";
import { natsNames } from "@clawdbot/protocol";
import { useNatsServer } from "@clawdbot/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DeviceStore, type PairingInput, summarizeDevice } from "./device-store.js";

// Two stores on one bucket stand for two edges: the compare-and-set writes must keep them from
// resolving a request twice or minting two tokens for one role.

const nats = useNatsServer();
let a: DeviceStore;
let b: DeviceStore;

beforeAll(async () => {
  const { nc } = nats;
  const names = natsNames(`t${randomBytes(3).toString("hex")}`);
  const log = pino({ enabled: false });
  a = await DeviceStore.open({ nc, names, log });
  b = await DeviceStore.open({ nc, names, log });
});

afterAll(() => {
  a?.stop();
  b?.stop();
});

function input(overrides: Partial<PairingInput> = {}): PairingInput {
  return { deviceId: randomBytes(32).toString("hex"), publicKey: "k", role: "operator", scopes: ["operator.read"], silent: false, isRepair: false, ...overrides };
}

test("one pending request per device; approved exactly once whichever edge asks", async () => {
  const request = input();
  const first = await a.requestPairing(request);
  const second = await b.requestPairing(request);
  expect(first.created).toBe(true);
  expect(second).toEqual({ request: first.request, created: false });

  const outcomes = await Promise.all([a.approve(first.request.requestId), b.approve(first.request.requestId), b.approve(first.request.requestId)]);
  expect(outcomes.filter(Boolean)).toHaveLength(1);
  const device = await b.getPaired(request.deviceId);
  expect(device?.tokens?.operator).toMatchObject({ role: "operator", scopes: ["operator.read"], token: expect.stringMatching(/^[0-9a-f]{32}$/) });
  expect(summarizeDevice(device!).tokens?.[0]).not.toHaveProperty("token");

  // Reject and approve racing on a fresh request: one wins, the other finds nothing.
  const next = await a.requestPairing(input());
  const [rejected, approved] = await Promise.all([b.reject(next.request.requestId), a.approve(next.request.requestId)]);
  expect(Boolean(rejected) !== Boolean(approved)).toBe(true);
});

test("concurrent connects get one token per role, not one each", async () => {
  const request = input({ role: "node", scopes: [] });
  const { request: pending } = await a.requestPairing(request);
  await a.approve(pending.requestId);
  await a.revoke(request.deviceId, "node");
  const tokens = await Promise.all([a.ensureToken(request.deviceId, "node", []), b.ensureToken(request.deviceId, "node", []), a.ensureToken(request.deviceId, "node", [])]);
  expect(new Set(tokens.map((t) => t?.token)).size).toBe(1);
  expect(tokens[0]?.revokedAtMs).toBeUndefined();
  const device = await b.getPaired(request.deviceId);
  expect(b.verifyToken(device, tokens[0]!.token, "node", [])).toBe(true);
  expect(b.verifyToken(device, tokens[0]!.token, "operator", [])).toBe(false);
});

test("revocation reaches the other store's watch", async () => {
  const request = input();
  const { request: pending } = await a.requestPairing(request);
  const approved = await a.approve(pending.requestId);
  const seen: (string | undefined)[] = [];
  const changed = new Promise<void>((resolve) => {
    void b.watchPaired((deviceId, device) => {
      if (deviceId !== request.deviceId) return;
      seen.push(device?.tokens?.operator?.revokedAtMs === undefined ? "live" : "revoked");
      resolve();
    });
  });
  await a.revoke(request.deviceId, "operator");
  await changed;
  expect(seen).toEqual(["revoked"]);
  expect(b.verifyToken(await b.getPaired(request.deviceId), approved!.device.tokens!.operator!.token, "operator", [])).toBe(false);
});
