import { expect, test } from "vitest";
import { connectFrame, readBenchEvent, readEventHead, readFrame, requestFrame, requestTemplate } from "./protocol.js";

test("a request template puts the id where the frame has it", () => {
  const [head, tail] = requestTemplate("sessions.list", { limit: 5 });
  expect(JSON.parse(`${head}a1${tail}`)).toEqual({ type: "req", id: "a1", method: "sessions.list", params: { limit: 5 } });
});

test("connect frame is protocol 3 with the token", () => {
  const frame = JSON.parse(connectFrame("c", "secret", { id: "cli", mode: "cli" }));
  expect(frame).toMatchObject({ type: "req", id: "c", method: "connect", params: { minProtocol: 3, maxProtocol: 3, auth: { token: "secret" }, client: { id: "cli", mode: "cli" } } });
});

test("reads the id and outcome of a response without parsing it", () => {
  expect(readFrame(Buffer.from('{"type":"res","id":"1z","ok":true,"payload":{"id":"other"}}'))).toEqual({ kind: "reply", id: "1z", ok: true });
  expect(readFrame(Buffer.from('{"type":"res","id":"2","ok":false,"error":{"code":"X"}}'))).toEqual({ kind: "reply", id: "2", ok: false });
});

test("an echoed request counts as its own reply; events are events", () => {
  const [head, tail] = requestTemplate("echo", {});
  expect(readFrame(Buffer.from(`${head}9${tail}`))).toEqual({ kind: "reply", id: "9", ok: true });
  expect(readFrame(Buffer.from('{"type":"event","event":"tick","payload":{"ts":1}}'))).toEqual({ kind: "event" });
  expect(readFrame(Buffer.from('{"hello":1}'))).toEqual({ kind: "other" });
});

test("reads the bench counter of a fan-out event", () => {
  expect(readBenchEvent(Buffer.from('{"type":"event","event":"bench","payload":{"benchN":1234,"text":"x"},"seq":3}'))).toBe(1234);
  expect(readBenchEvent(Buffer.from('{"type":"event","event":"tick","payload":{"ts":1}}'))).toBe(-1);
});

test("reads the event name and run id of an event frame without parsing it", () => {
  expect(readEventHead(Buffer.from('{"type":"event","event":"agent","payload":{"runId":"b1-w0-r3","seq":2,"data":{"text":"\\"runId\\":\\"x\\""}},"seq":9}'))).toEqual({ event: "agent", runId: "b1-w0-r3" });
  expect(readEventHead(Buffer.from('{"type":"event","event":"tick","payload":{"ts":1}}'))).toEqual({ event: "tick", runId: undefined });
  expect(readEventHead(Buffer.from('{"type":"res","id":"1","ok":true}'))).toBeUndefined();
});

test("a request frame carries its own id and params", () => {
  expect(JSON.parse(requestFrame("7", "chat.send", { sessionKey: "s", message: "hi", idempotencyKey: "k" }))).toEqual({
    type: "req",
    id: "7",
    method: "chat.send",
    params: { sessionKey: "s", message: "hi", idempotencyKey: "k" },
  });
});
