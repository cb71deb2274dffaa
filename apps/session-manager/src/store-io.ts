import { chmod, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import JSON5 from "json5";
import type { SessionEntry, SessionStore } from "./session-store.js";
import type { TranscriptRecord } from "./transcript.js";
import type { TranscriptStore } from "./transcript-store.js";

// Moves history in and out of the original's on-disk format (spec §9.2, §9.3): `sessions.json`
// ({storeKey: SessionEntry}) and one JSONL file per transcript, `<sessionId>.jsonl`, plus the
// archives the original leaves beside them (`<file>.deleted.<ts>`, `<file>.bak.<ts>`).

export interface StoreIoStores {
  sessions: SessionStore;
  transcripts: TranscriptStore;
}

export interface ImportReport {
  sessions: number;
  transcripts: number;
  records: number;
  skippedLines: number;
}

/** The transcript file id of a file name: `<id>.jsonl` is `<id>`; an archive keeps its whole name. */
export function fileIdOf(fileName: string): string | undefined {
  if (fileName.endsWith(".jsonl")) return fileName.slice(0, -".jsonl".length);
  if (/\.jsonl\.(deleted|bak)\./.test(fileName)) return fileName;
  return undefined;
}

/** The file name a transcript file id is written to on export. */
export function fileNameOf(fileId: string): string {
  return /\.jsonl\.(deleted|bak)\./.test(fileId) ? fileId : `${fileId}.jsonl`;
}

/** JSONL lines as records; blank and unparsable lines are skipped (the original's readers do the same). */
export function parseJsonl(text: string): { records: TranscriptRecord[]; skipped: number } {
  const records: TranscriptRecord[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) records.push(value as TranscriptRecord);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}

export function toJsonl(records: TranscriptRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join("\n") + (records.length > 0 ? "\n" : "");
}

/**
 * Imports a sessions directory: every entry of `sessions.json` as it is (keys are already the
 * original's canonical store keys), and every transcript file, replacing what the stores held
 * under the same names, so importing twice gives the same result.
 */
export async function importStore(dir: string, stores: StoreIoStores): Promise<ImportReport> {
  const store = JSON5.parse<Record<string, SessionEntry>>(await readFile(join(dir, "sessions.json"), "utf8"));
  const report: ImportReport = { sessions: 0, transcripts: 0, records: 0, skippedLines: 0 };
  for (const [key, entry] of Object.entries(store)) {
    if (!entry || typeof entry !== "object" || typeof entry.sessionId !== "string") continue;
    await stores.sessions.put(key, entry);
    report.sessions++;
  }
  for (const name of (await readdir(dir)).sort()) {
    const fileId = fileIdOf(name);
    if (!fileId) continue;
    const { records, skipped } = parseJsonl(await readFile(join(dir, name), "utf8"));
    await stores.transcripts.purge(fileId);
    await stores.transcripts.writeFile(fileId, records);
    report.transcripts++;
    report.records += records.length;
    report.skippedLines += skipped;
  }
  return report;
}

/** Writes the stores as the original's directory: `sessions.json` (0600, pretty) and the JSONL files. */
export async function exportStore(dir: string, stores: StoreIoStores): Promise<{ sessions: number; transcripts: number }> {
  await mkdir(dir, { recursive: true });
  const entries = (await stores.sessions.list()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const path = join(dir, "sessions.json");
  await writeFile(path, JSON.stringify(Object.fromEntries(entries), null, 2) + "\n", { mode: 0o600 });
  await chmod(path, 0o600);
  let transcripts = 0;
  for (const fileId of (await stores.transcripts.files()).keys()) {
    await writeFile(join(dir, fileNameOf(fileId)), toJsonl(await stores.transcripts.read(fileId)), { mode: 0o600 });
    transcripts++;
  }
  return { sessions: entries.length, transcripts };
}
