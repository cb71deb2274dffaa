import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTENT_TYPE, type Registry } from "./registry.js";

/** Answers a scrape: the registry as Prometheus text, never cached. */
export function writeMetrics(res: ServerResponse, registry: Registry, method = "GET"): void {
  const body = registry.render();
  res.writeHead(200, { "content-type": CONTENT_TYPE, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(method === "HEAD" ? undefined : body);
}

export interface MetricsServer {
  readonly address: AddressInfo;
  close: () => Promise<void>;
}

export interface ServeMetricsOptions {
  registry: Registry;
  /** 0 picks a free port; `address` says which. */
  port: number;
  /** Loopback unless told otherwise: metrics name methods and counts, nothing a stranger needs. */
  host?: string;
}

/** A listener of its own that serves `GET /metrics` (and 404 for everything else). */
export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") return void res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { allow: "GET, HEAD" }).end();
    writeMetrics(res, options.registry, req.method);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
