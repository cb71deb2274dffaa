/**
 * A local answer that is already JSON text. The connection writes it into the frame as is, so a
 * payload many clients ask for (`health`, `status`, `system-presence`) is serialised once per
 * change, not once per call (it was the largest cost after the socket write in the profile).
 */
export class JsonPayload {
  constructor(readonly json: string) {}
}

/**
 * Keeps the JSON of the last built value while its key is unchanged and it is younger than
 * `maxAgeMs`. The key carries the state versions the value is built from, so a change shows at
 * once; the age bounds what moves without a version (timestamps, liveness ages).
 */
export class JsonMemo {
  readonly #maxAgeMs: number;
  #key: string | undefined;
  #builtAt = 0;
  #payload: JsonPayload | undefined;

  constructor(maxAgeMs: number) {
    this.#maxAgeMs = maxAgeMs;
  }

  get(key: string, build: () => unknown): JsonPayload {
    const now = Date.now();
    if (this.#payload && key === this.#key && now - this.#builtAt < this.#maxAgeMs) return this.#payload;
    this.#key = key;
    this.#builtAt = now;
    this.#payload = new JsonPayload(JSON.stringify(build() ?? null));
    return this.#payload;
  }
}
