import { Writable } from "node:stream";
import { expect, test } from "vitest";
import { createLogger } from "./logger.js";

function capture(): { lines: Record<string, any>[]; destination: Writable } {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, destination };
}

test("every line names its service and hides secrets wherever they sit", async () => {
  const { lines, destination } = capture();
  const log = createLogger({ service: "gateway-edge", bindings: { edgeId: "e1" }, destination });
  log.child({ connId: "c1" }).info(
    { params: { auth: { token: "t0ken", password: "pw" } }, auth: { token: "t1" }, headers: { authorization: "Bearer x" }, provider: { apiKey: "sk-1" } },
    "connect",
  );
  await new Promise((resolve) => setImmediate(resolve));
  const line = lines[0]!;
  expect(line).toMatchObject({ service: "gateway-edge", edgeId: "e1", connId: "c1", msg: "connect" });
  const text = JSON.stringify(line);
  for (const secret of ["t0ken", "pw", "t1", "Bearer x", "sk-1"]) expect(text).not.toContain(secret);
});

test("device tokens and device signatures are hidden too, in every service's logs", async () => {
  const { lines, destination } = capture();
  const log = createLogger({ service: "session-manager", destination });
  log.info({ deviceToken: "dt-1", issued: { deviceToken: "dt-2" }, params: { device: { id: "d", signature: "sig-1" } }, signature: "sig-2" }, "device");
  await new Promise((resolve) => setImmediate(resolve));
  const text = JSON.stringify(lines[0]);
  for (const secret of ["dt-1", "dt-2", "sig-1", "sig-2"]) expect(text).not.toContain(secret);
  expect(lines[0]).toMatchObject({ params: { device: { id: "d" } } });
});
