export {
  CONTENT_TYPE,
  Counter,
  CounterChild,
  DEFAULT_MAX_SERIES,
  Gauge,
  GaugeChild,
  Histogram,
  HistogramChild,
  LATENCY_BUCKETS,
  OTHER,
  Registry,
  escapeHelp,
  escapeLabelValue,
  formatNumber,
} from "./registry.js";
export type { GaugeOptions, HistogramOptions, MetricOptions } from "./registry.js";
export { registerProcessMetrics } from "./process.js";
export { serveMetrics, writeMetrics } from "./server.js";
export type { MetricsServer, ServeMetricsOptions } from "./server.js";
