// The whole-number settings every service reads from its environment. An unset, empty or
// unusable value falls back to the default rather than stopping the service.

/** `raw` as an integer > 0, else `fallback`. */
export function positiveIntEnv(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** `raw` as an integer ≥ 0, else `fallback`; an empty value is unset, not 0. */
export function nonNegativeIntEnv(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && raw !== "" && Number.isInteger(value) && value >= 0 ? value : fallback;
}
