// Per-test setup for the client tests: fake gateways and clients that are always torn down.
import { afterEach } from "vitest";
import WebSocket from "ws";
import { FakeGateway, type FakeGatewayOptions } from "./fake-gateway.fixture.js";
import { GatewayClient } from "./gateway-client.js";
import type { GatewayClientOptions } from "./options.js";

export const TOKEN = "secret-token";

export function useHarness() {
  const clients: GatewayClient[] = [];
  const gateways: FakeGateway[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const gateway of gateways.splice(0)) await gateway.stop();
  });
  return {
    async gateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
      const gateway = await FakeGateway.start({ token: TOKEN, ...options });
      gateways.push(gateway);
      return gateway;
    },
    /** A client of `gateway` using `ws` the way a Node user passes it. */
    client(gateway: FakeGateway, options: Partial<GatewayClientOptions> = {}): GatewayClient {
      const client = new GatewayClient({ url: gateway.url, WebSocket, token: TOKEN, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
      clients.push(client);
      return client;
    },
  };
}

