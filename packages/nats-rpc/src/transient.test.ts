// retryTransient against a real nats-server: startup steps that fail with real NATS errors
// the first times (no responders, a stream not there yet) go through; others fail at once.
import { randomBytes } from "node:crypto";
import { NatsError } from "nats";
import { pino } from "pino";
import { expect, test } from "vitest";
import { useBus } from "./bus.fixture.js";
import { isTransientNatsError, isTransientSetupError, retryTransient } from "./transient.js";

const bus = useBus();

/** A logger whose records land in `lines`, to see each retry logged. */
function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

test("a request with no responder yet is retried until one answers, each retry logged", async () => {
  const nc = await bus.newConnection();
  const subject = `retry.${randomBytes(4).toString("hex")}`;
  const { log, lines } = capture();
  let attempts = 0;
  const errors: unknown[] = [];
  const reply = await retryTransient(
    "asking the responder",
    async () => {
      attempts++;
      if (attempts === 3) {
        const sub = nc.subscribe(subject, { callback: (_err, msg) => msg.respond("here") });
        bus.cleanups.push(() => sub.unsubscribe());
        await nc.flush();
      }
      try {
        return await nc.request(subject, "", { timeout: 5_000 });
      } catch (err) {
        errors.push(err);
        throw err;
      }
    },
    { log, firstDelayMs: 10 },
  );
  expect(reply.string()).toBe("here");
  expect(attempts).toBe(3);
  // The failures were the real thing: NATS "503", no responders.
  expect(errors).toHaveLength(2);
  for (const err of errors) expect(err).toMatchObject({ code: "503" });
  const retries = lines.filter((l) => l.msg === "asking the responder: transient NATS error, retrying");
  expect(retries.map((l) => [l.level, l.what, l.attempt])).toEqual([
    [40, "asking the responder", 1],
    [40, "asking the responder", 2],
  ]);
});

test('"stream not found" counts as "not yet" while setting up, not while serving', async () => {
  const nc = await bus.newConnection();
  const jsm = await nc.jetstreamManager();
  const stream = `S_${randomBytes(4).toString("hex")}`;
  const { log } = capture();
  let attempts = 0;
  let notFound: unknown;
  const info = await retryTransient(
    "stream info",
    async () => {
      attempts++;
      // What a fresh cluster does: the stream answers "not found" until its leader is elected.
      if (attempts === 3) await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
      return jsm.streams.info(stream).catch((err: unknown) => {
        notFound = err;
        throw err;
      });
    },
    { log, firstDelayMs: 10 },
  );
  bus.cleanups.push(() => jsm.streams.delete(stream));
  expect(info.config.name).toBe(stream);
  expect(attempts).toBe(3);
  expect(notFound).toBeInstanceOf(NatsError);
  expect((notFound as NatsError).api_error?.err_code).toBe(10059);
  expect(isTransientSetupError(notFound)).toBe(true);
  expect(isTransientNatsError(notFound)).toBe(false);
});

test("an error that is not transient fails at once, untouched", async () => {
  const nc = await bus.newConnection();
  const jsm = await nc.jetstreamManager();
  const { log, lines } = capture();
  let attempts = 0;
  // A single server cannot keep 3 replicas: JetStream says no, and retrying cannot change that.
  const refused = retryTransient(
    "replicated stream",
    () => {
      attempts++;
      return jsm.streams.add({ name: `R3_${randomBytes(4).toString("hex")}`, subjects: [`r3.${randomBytes(4).toString("hex")}`], num_replicas: 3 });
    },
    { log, firstDelayMs: 10 },
  );
  await expect(refused).rejects.toBeInstanceOf(NatsError);
  await expect(refused).rejects.toThrow(/replicas/);
  expect(attempts).toBe(1);
  expect(lines).toEqual([]);
});

test("a failure that stays transient gives up once the time is spent, naming the step and the cause", async () => {
  const nc = await bus.newConnection();
  const { log, lines } = capture();
  let attempts = 0;
  const gaveUp = retryTransient(
    "asking nobody",
    () => {
      attempts++;
      return nc.request(`nobody.${randomBytes(4).toString("hex")}`, "", { timeout: 5_000 });
    },
    { log, totalMs: 300, firstDelayMs: 10, maxDelayMs: 50 },
  );
  await expect(gaveUp).rejects.toThrow(/^asking nobody: still failing after \d+ attempts in \d+ ms: 503$/);
  const err = (await gaveUp.then(
    () => undefined,
    (e: unknown) => e,
  )) as Error;
  expect(err.cause).toBeInstanceOf(NatsError);
  expect(attempts).toBeGreaterThan(1);
  expect(lines).toHaveLength(attempts - 1);
});
