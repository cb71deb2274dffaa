/** The media type of the Prometheus text exposition format this package writes. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Seconds: from a millisecond edge-local answer to a minute-long agent run. */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Past this many label sets a metric stops growing: further new sets are counted under one
 * series whose labels are all `other`, so a bug that labels by an unbounded value costs memory
 * once, not forever.
 */
export const DEFAULT_MAX_SERIES = 1_000;
export const OTHER = "other";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  maxSeries?: number;
}

export interface GaugeOptions extends MetricOptions {
  /** Runs before each scrape: for values read from elsewhere (open sockets, memory). */
  collect?: (gauge: Gauge) => void;
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets?: readonly number[];
}

type Kind = "counter" | "gauge" | "histogram";

abstract class Metric<Child> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly kind: Kind;
  readonly #maxSeries: number;
  readonly #children = new Map<string, { values: readonly string[]; child: Child }>();

  constructor(options: MetricOptions) {
    if (!METRIC_NAME.test(options.name)) throw new Error(`invalid metric name: ${options.name}`);
    for (const label of options.labelNames ?? []) {
      if (!LABEL_NAME.test(label) || label.startsWith("__")) throw new Error(`invalid label name ${label} on ${options.name}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.#maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
  }

  protected abstract newChild(): Child;

  /** The series for these label values, in `labelNames` order. Keep the result on hot paths. */
  labels(...values: string[]): Child {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
    }
    const key = values.join("\u0000");
    let entry = this.#children.get(key);
    if (entry === undefined) {
      if (this.#children.size >= this.#maxSeries) return this.#overflow();
      entry = { values: [...values], child: this.newChild() };
      this.#children.set(key, entry);
    }
    return entry.child;
  }

  #overflow(): Child {
    const values = this.labelNames.map(() => OTHER);
    const key = values.join("\u0000");
    let entry = this.#children.get(key);
    if (entry === undefined) this.#children.set(key, (entry = { values, child: this.newChild() }));
    return entry.child;
  }

  /** Every series, oldest first. */
  protected series(): Iterable<{ values: readonly string[]; child: Child }> {
    return this.#children.values();
  }

  abstract render(out: string[]): void;

  protected header(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.kind}`);
  }

  protected labelText(values: readonly string[], extra?: string): string {
    const pairs = values.map((value, i) => `${this.labelNames[i]}="${escapeLabelValue(value)}"`);
    if (extra !== undefined) pairs.push(extra);
    return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
  }
}

export class CounterChild {
  value = 0;
  inc(by = 1): void {
    if (by < 0) throw new Error("a counter only goes up");
    this.value += by;
  }
}

export class Counter extends Metric<CounterChild> {
  readonly kind = "counter";

  constructor(options: MetricOptions) {
    super(options);
    // A metric without labels has its one series from the start, so it reads 0 before any event.
    if (this.labelNames.length === 0) this.labels();
  }

  protected newChild(): CounterChild {
    return new CounterChild();
  }

  /** For a counter without labels. */
  inc(by = 1): void {
    this.labels().inc(by);
  }

  render(out: string[]): void {
    this.header(out);
    for (const { values, child } of this.series()) out.push(`${this.name}${this.labelText(values)} ${formatNumber(child.value)}`);
  }
}

export class GaugeChild {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
}

export class Gauge extends Metric<GaugeChild> {
  readonly kind = "gauge";
  readonly #collect: ((gauge: Gauge) => void) | undefined;

  constructor(options: GaugeOptions) {
    super(options);
    this.#collect = options.collect;
    if (this.labelNames.length === 0) this.labels();
  }

  protected newChild(): GaugeChild {
    return new GaugeChild();
  }

  /** For a gauge without labels. */
  set(value: number): void {
    this.labels().set(value);
  }

  render(out: string[]): void {
    this.#collect?.(this);
    this.header(out);
    for (const { values, child } of this.series()) out.push(`${this.name}${this.labelText(values)} ${formatNumber(child.value)}`);
  }
}

export class HistogramChild {
  /** Per bucket, not cumulative: `observe` touches one slot; rendering sums them up. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class Histogram extends Metric<HistogramChild> {
  readonly kind = "histogram";
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions) {
    super(options);
    if (this.labelNames.includes("le")) throw new Error(`${this.name}: "le" is reserved for histogram buckets`);
    const buckets = [...(options.buckets ?? LATENCY_BUCKETS)].filter((b) => b !== Infinity);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) throw new Error(`${this.name}: buckets must be strictly ascending`);
    }
    this.buckets = buckets;
    if (this.labelNames.length === 0) this.labels();
  }

  protected newChild(): HistogramChild {
    return new HistogramChild(this.buckets);
  }

  /** For a histogram without labels. */
  observe(value: number): void {
    this.labels().observe(value);
  }

  render(out: string[]): void {
    this.header(out);
    for (const { values, child } of this.series()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += child.counts[i]!;
        const le = i < this.buckets.length ? formatNumber(this.buckets[i]!) : "+Inf";
        out.push(`${this.name}_bucket${this.labelText(values, `le="${le}"`)} ${formatNumber(cumulative)}`);
      }
      out.push(`${this.name}_sum${this.labelText(values)} ${formatNumber(child.sum)}`);
      out.push(`${this.name}_count${this.labelText(values)} ${formatNumber(child.count)}`);
    }
  }
}

/** The metrics of one process, rendered together for a scrape. */
export class Registry {
  readonly #metrics = new Map<string, Metric<unknown>>();

  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options));
  }

  gauge(options: GaugeOptions): Gauge {
    return this.#add(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options));
  }

  /** The whole registry in the text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const metric of this.#metrics.values()) metric.render(out);
    out.push("");
    return out.join("\n");
  }

  #add<M extends Metric<unknown>>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
