/**
 * Whether a KV compare-and-set write lost to another writer: JetStream's "wrong last sequence"
 * (API error 10071). Every store that updates by revision retries or gives up on exactly this.
 */
export function isCasConflict(err: unknown): boolean {
  const api = (err as { api_error?: { err_code?: number } } | null)?.api_error;
  return api?.err_code === 10071 || (err instanceof Error && /wrong last sequence/i.test(err.message));
}
