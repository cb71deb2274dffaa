import type { Registry } from "./registry.js";

/** The few process figures worth a dashboard: memory, heap, and when the process started. */
export function registerProcessMetrics(registry: Registry): void {
  const startSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  registry.gauge({ name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds." }).set(startSeconds);
  registry.gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    collect: (g) => g.set(process.memoryUsage.rss()),
  });
  registry.gauge({
    name: "nodejs_heap_used_bytes",
    help: "V8 heap in use, in bytes.",
    collect: (g) => g.set(process.memoryUsage().heapUsed),
  });
}
