import { expect, test } from "vitest";
import { connectFrame, readBenchEvent, readFrame, requestTemplate } from "./protocol.js";

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
