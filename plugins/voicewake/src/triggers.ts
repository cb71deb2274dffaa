/** The original's defaults, used while nothing is stored and when a set leaves no trigger. */
export const DEFAULT_TRIGGERS = ["clawd", "claude", "computer"] as const;

const MAX_TRIGGERS = 32;
const MAX_TRIGGER_LENGTH = 64;

/** As the original normalizes `voicewake.set` input: trimmed strings, empties dropped, capped, defaults when none is left. */
export function normalizeTriggers(input: unknown): string[] {
  const raw: unknown[] = Array.isArray(input) ? input : [];
  const cleaned = raw
    .map((value) => (typeof value === "string" ? value.trim() : ""))
    .filter((value) => value.length > 0)
    .slice(0, MAX_TRIGGERS)
    .map((value) => value.slice(0, MAX_TRIGGER_LENGTH));
  return cleaned.length > 0 ? cleaned : [...DEFAULT_TRIGGERS];
}
