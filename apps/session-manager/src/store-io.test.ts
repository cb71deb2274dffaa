import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsNames } from "@clawdbot/protocol";
import { useNatsServer } from "@clawdbot/testkit";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { SessionStore } from "./session-store.js";
import { exportStore, fileIdOf, fileNameOf, importStore, parseJsonl, toJsonl } from "./store-io.js";
import { TranscriptStore } from "./transcript-store.js";

describe("file names and JSONL", () => {
  test("transcript file ids", () => {
    expect(fileIdOf("abc.jsonl")).toBe("abc");
    expect(fileIdOf("abc-topic-7.jsonl")).toBe("abc-topic-7");
    expect(fileIdOf("abc.jsonl.deleted.2026-01-01T00-00-00.000Z")).toBe("abc.jsonl.deleted.2026-01-01T00-00-00.000Z");
    expect(fileIdOf("sessions.json")).toBeUndefined();
    expect(fileIdOf("sessions.json.lock")).toBeUndefined();
    for (const id of ["abc", "abc.jsonl.bak.1"]) expect(fileIdOf(fileNameOf(id))).toBe(id);
  });

  test("parse skips blank and broken lines; write ends with a newline", () => {
    const { records, skipped } = parseJsonl('{"type":"session","id":"a"}\n\n{broken\n[1]\n{"type":"message","id":"m"}\n');
    expect(records).toEqual([{ type: "session", id: "a" }, { type: "message", id: "m" }]);
    expect(skipped).toBe(2);
    expect(toJsonl(records)).toBe('{"type":"session","id":"a"}\n{"type":"message","id":"m"}\n');
    expect(toJsonl([])).toBe("");
  });
});

describe("import and export against a real nats-server", () => {
  const nats = useNatsServer();

  test("an original store imports, and exports back the same files", async () => {
    const src = mkdtempSync(join(tmpdir(), "orig-sessions-"));
    const store = {
      "agent:main:main": { sessionId: "s-main", updatedAt: 3, label: "Main", inputTokens: 1 },
      "agent:main:telegram:group:-1": { sessionId: "s-group", updatedAt: 2, chatType: "group", origin: { provider: "telegram" } },
      global: { sessionId: "s-global", updatedAt: 1 },
    };
    writeFileSync(join(src, "sessions.json"), JSON.stringify(store, null, 2));
    const lines = [
      { type: "session", version: 3, id: "s-main", timestamp: "2026-01-01T00:00:00.000Z", cwd: "/x" },
      { type: "message", id: "a1", parentId: null, timestamp: "2026-01-01T00:00:01.000Z", message: { role: "user", content: [{ type: "text", text: "hi" }], timestamp: 1 } },
      { type: "message", id: "a2", parentId: "a1", timestamp: "2026-01-01T00:00:02.000Z", message: { role: "assistant", content: [{ type: "text", text: "yo" }], timestamp: 2, stopReason: "stop" } },
    ];
    writeFileSync(join(src, "s-main.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    writeFileSync(join(src, "s-old.jsonl.deleted.2025-12-31T00-00-00.000Z"), JSON.stringify(lines[0]) + "\n");

    const { nc } = nats;
    const names = natsNames("io");
    const stores = { sessions: await SessionStore.open(nc.jetstream(), names, pino({ level: "silent" })), transcripts: await TranscriptStore.open(nc.jetstream(), await nc.jetstreamManager(), names, "/") };
    expect(await importStore(src, stores)).toEqual({ sessions: 3, transcripts: 2, records: 4, skippedLines: 0 });
    // Importing twice changes nothing.
    await importStore(src, stores);
    expect(Object.fromEntries(await stores.sessions.list())).toEqual(store);
    expect(await stores.transcripts.read("s-main")).toEqual(lines);

    const out = mkdtempSync(join(tmpdir(), "export-sessions-"));
    expect(await exportStore(out, stores)).toEqual({ sessions: 3, transcripts: 2 });
    expect(readdirSync(out).sort()).toEqual(readdirSync(src).sort());
    expect(JSON.parse(readFileSync(join(out, "sessions.json"), "utf8"))).toEqual(store);
    expect(statSync(join(out, "sessions.json")).mode & 0o777).toBe(0o600);
    for (const name of readdirSync(src).filter((n) => n !== "sessions.json")) expect(readFileSync(join(out, name), "utf8")).toBe(readFileSync(join(src, name), "utf8"));
    stores.sessions.stop();
  });
});
