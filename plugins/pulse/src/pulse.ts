export interface PulseConfig {
  intervalMs: number;
  event: string;
  message?: string;
}

export interface PulseStatus {
  running: boolean;
  intervalMs: number;
  event: string;
  beats: number;
  lastBeatAt: number | null;
}

/** The beat itself, apart from the plugin API so it can be tested with a fake publisher. */
export class Pulse {
  #config: PulseConfig;
  readonly #publish: (event: string, payload: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #beats = 0;
  #lastBeatAt: number | null = null;
  #instanceId: string | undefined;

  constructor(config: PulseConfig, publish: (event: string, payload: unknown) => void) {
    this.#config = config;
    this.#publish = publish;
  }

  setInstance(instanceId: string): void {
    this.#instanceId = instanceId;
  }

  start(): void {
    this.stop();
    this.#timer = setInterval(() => this.beat(), this.#config.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  configure(config: PulseConfig): void {
    this.#config = config;
    if (this.#timer) this.start();
  }

  beat(): void {
    this.#beats += 1;
    this.#lastBeatAt = Date.now();
    this.#publish(this.#config.event, {
      ts: this.#lastBeatAt,
      seq: this.#beats,
      ...(this.#instanceId ? { instanceId: this.#instanceId } : {}),
      ...(this.#config.message ? { message: this.#config.message } : {}),
    });
  }

  status(): PulseStatus {
    return {
      running: this.#timer !== undefined,
      intervalMs: this.#config.intervalMs,
      event: this.#config.event,
      beats: this.#beats,
      lastBeatAt: this.#lastBeatAt,
    };
  }
}
