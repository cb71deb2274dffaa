import { expect, test } from "vitest";
import { EchoProvider, echoPieces, echoReply } from "./echo.js";

async function collect(iter: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of iter) out.push(piece);
  return out;
}

test("the reply is deterministic and its pieces join back exactly", () => {
  expect(echoReply("hello world")).toBe("echo: hello world");
  expect(echoPieces("echo: hello  world\nbye")).toEqual(["echo: ", "hello  ", "world\n", "bye"]);
  for (const text of ["", " ", "a", "  lead", "trail  ", "x\ty"]) expect(echoPieces(echoReply(text)).join("")).toBe(echoReply(text));
});

test("streams word by word and reports usage", async () => {
  const provider = new EchoProvider(0);
  const pieces = await collect(provider.stream({ model: "echo", messages: [{ role: "user", text: "one two three" }], signal: new AbortController().signal }));
  expect(pieces).toEqual(["echo: ", "one ", "two ", "three"]);
  expect(provider.usage()).toEqual({ input: 3, output: 4 });
});

test("abort stops the stream", async () => {
  const controller = new AbortController();
  const provider = new EchoProvider(5);
  const seen: string[] = [];
  const run = (async () => {
    for await (const piece of provider.stream({ model: "echo", messages: [{ role: "user", text: "a b c d e f g h" }], signal: controller.signal })) {
      seen.push(piece);
      if (seen.length === 2) controller.abort();
    }
  })();
  await expect(run).rejects.toThrow();
  expect(seen).toHaveLength(2);
});
