import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { OpenAiCompatibleProvider, sseData } from "./openai.js";

// A local server speaking OpenAI's chat-completions streaming format (the only stand-in: the
// real API is off this machine). It streams one chunk per word and records what it saw.

interface Seen {
  body: { model: string; stream: boolean; messages: { role: string; content: string }[] };
  auth: string | undefined;
  closedEarly: boolean;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];

function chunk(res: ServerResponse, payload: unknown): void {
  res.write(`data: ${JSON.stringify(payload)}\n\n`);
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw) as Seen["body"];
      const record: Seen = { body, auth: req.headers.authorization, closedEarly: false };
      seen.push(record);
      if (body.model === "broken") {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "model exploded" } }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const words = `reply to ${body.messages.at(-1)!.content}`.split(" ");
      const slow = body.model === "slow";
      let i = 0;
      let finished = false;
      res.on("close", () => {
        if (!finished) record.closedEarly = true;
      });
      const timer = setInterval(() => {
        if (i < words.length && !(slow && i >= 2)) {
          chunk(res, { choices: [{ delta: { content: (i > 0 ? " " : "") + words[i] } }] });
          i++;
          return;
        }
        if (slow) return; // keeps the request open until the client goes
        clearInterval(timer);
        chunk(res, { choices: [], usage: { prompt_tokens: 7, completion_tokens: words.length } });
        res.write(": keep-alive comment\n\n");
        res.write("data: [DONE]\n\n");
        finished = true;
        res.end();
      }, 5);
      res.on("close", () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function collect(iter: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of iter) out.push(piece);
  return out;
}

test("streams the reply piece by piece, sends the conversation and the key, reads usage", async () => {
  const provider = new OpenAiCompatibleProvider({ id: "local", baseUrl, apiKey: "sk-test" });
  const pieces = await collect(
    provider.stream({ model: "m1", messages: [{ role: "user", text: "one" }, { role: "assistant", text: "two" }, { role: "user", text: "three" }], signal: new AbortController().signal }),
  );
  expect(pieces.join("")).toBe("reply to three");
  expect(pieces.length).toBe(3);
  expect(provider.usage()).toEqual({ input: 7, output: 3 });
  const last = seen.at(-1)!;
  expect(last.auth).toBe("Bearer sk-test");
  expect(last.body).toMatchObject({ model: "m1", stream: true, messages: [{ role: "user", content: "one" }, { role: "assistant", content: "two" }, { role: "user", content: "three" }] });
});

test("abort cancels the HTTP request: the server sees the connection close mid-stream", async () => {
  const provider = new OpenAiCompatibleProvider({ id: "local", baseUrl });
  const controller = new AbortController();
  const pieces: string[] = [];
  const run = (async () => {
    for await (const piece of provider.stream({ model: "slow", messages: [{ role: "user", text: "a b c d" }], signal: controller.signal })) {
      pieces.push(piece);
      if (pieces.length === 2) controller.abort();
    }
  })();
  await expect(run).rejects.toThrow();
  const record = seen.at(-1)!;
  for (let i = 0; i < 200 && !record.closedEarly; i++) await new Promise((r) => setTimeout(r, 10));
  expect(record.closedEarly).toBe(true);
  expect(pieces).toEqual(["reply", " to"]);
});

test("an HTTP error fails the stream with the status and the server's text", async () => {
  const provider = new OpenAiCompatibleProvider({ id: "local", baseUrl });
  await expect(collect(provider.stream({ model: "broken", messages: [{ role: "user", text: "x" }], signal: new AbortController().signal }))).rejects.toThrow(/local: HTTP 500: .*model exploded/);
});

test("sseData joins multi-line data and ignores comments and other fields", async () => {
  const enc = new TextEncoder();
  async function* body() {
    yield enc.encode("event: x\ndata: a\nda");
    yield enc.encode("ta: b\n\n: comment\n\ndata: c\r\n\r\n");
  }
  expect(await collect(sseData(body()))).toEqual(["a\nb", "c"]);
});
