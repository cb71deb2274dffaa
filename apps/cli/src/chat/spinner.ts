const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const INTERVAL_MS = 80;

/**
 * A one-line spinner for a terminal: redrawn in place, erased on stop. Does nothing when not
 * enabled (a pipe, `--json`), so output stays clean for scripts.
 */
export class Spinner {
  readonly #stream: NodeJS.WritableStream;
  readonly #enabled: boolean;
  readonly #label: string;
  #timer: ReturnType<typeof setInterval> | undefined;
  #frame = 0;

  constructor(stream: NodeJS.WritableStream, options: { enabled: boolean; label: string }) {
    this.#stream = stream;
    this.#enabled = options.enabled;
    this.#label = options.label;
  }

  get spinning(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (!this.#enabled || this.#timer) return;
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), INTERVAL_MS);
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream.write("\r\u001b[K");
  }

  #draw(): void {
    this.#stream.write(`\r${FRAMES[this.#frame++ % FRAMES.length]} ${this.#label}`);
  }
}
