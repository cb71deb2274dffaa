import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** tests/.results/faults.json: each fault test's figures under its name, merged across files. */
export const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".results", "faults.json");

/** Prints a test's figures and records them (with the time) in RESULTS_FILE. */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Record<string, unknown>;
  } catch {
    // first figures of this checkout
  }
  all[name] = { at: new Date().toISOString(), ...figures };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
  process.stdout.write(`\n[faults] ${name}: ${JSON.stringify(figures, null, 2)}\n`);
}

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}
