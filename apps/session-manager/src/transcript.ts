import { randomUUID } from "node:crypto";

// Transcript records, line for line the original's JSONL (spec §9.3): a `session` header, then
// `message` entries as the agent library (pi-coding-agent, session format 3) writes them.

export const TRANSCRIPT_VERSION = 3;

export interface TextPart {
  type: "text";
  text: string;
}

export type TranscriptMessage = Record<string, unknown> & {
  role: string;
  content: unknown;
  timestamp: number;
};

export type TranscriptRecord = Record<string, unknown> & { type: string; id?: string };
export type MessageRecord = TranscriptRecord & { type: "message"; id: string; parentId: string | null; timestamp: string; message: TranscriptMessage };

export function headerRecord(sessionId: string, now: number, cwd: string): TranscriptRecord {
  return { type: "session", version: TRANSCRIPT_VERSION, id: sessionId, timestamp: new Date(now).toISOString(), cwd };
}

/** A message with one text part; `extra` adds assistant fields (stopReason, usage, model…). */
export function textMessage(role: "user" | "assistant", text: string, now: number, extra: Record<string, unknown> = {}): TranscriptMessage {
  return { role, content: [{ type: "text", text }], timestamp: now, ...extra };
}

/** Wraps a message as a transcript entry; `parentId` chains it to the previous entry. */
export function messageRecord(message: TranscriptMessage, parentId: string | null, now = message.timestamp): MessageRecord {
  return { type: "message", id: shortId(), parentId, timestamp: new Date(now).toISOString(), message };
}

export function shortId(): string {
  return randomUUID().replaceAll("-", "").slice(0, 8);
}

export function isMessageRecord(record: TranscriptRecord): record is MessageRecord {
  return record.type === "message" && record.message !== null && typeof record.message === "object";
}

/** The plain text of a message: string content, or its text parts joined. */
export function messageText(message: { content?: unknown }): string {
  const content = message.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .flatMap((part: unknown) => {
      const p = part as { type?: unknown; text?: unknown } | null;
      return p && p.type === "text" && typeof p.text === "string" ? [p.text] : [];
    })
    .join("\n");
}

/** Usage as the original reports it for messages that cost nothing (injected, synthesized). */
export const ZERO_USAGE = { input: 0, output: 0, totalTokens: 0 } as const;
