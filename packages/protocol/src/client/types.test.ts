// Type-level tests: checked by `tsc` (pnpm typecheck), and run as plain tests by vitest.
import { describe, expectTypeOf, test } from "vitest";
import type { SessionsListResult } from "../methods/sessions.js";
import type { ShutdownPayload, TickPayload } from "../frames.js";
import type { AgentEventPayload, GatewayEvent } from "./event-payloads.js";
import { GatewayClient } from "./gateway-client.js";

// Never connected: only the types of these expressions matter.
const client = new GatewayClient({ url: "ws://127.0.0.1:1" });
const typesOnly = (fn: () => unknown) => fn;

describe("call() types from the method registry", () => {
  test("known methods: params checked, result inferred", () => {
    typesOnly(() => {
      expectTypeOf(client.call("sessions.list", { limit: 5 })).resolves.toEqualTypeOf<SessionsListResult>();
      expectTypeOf(client.call("sessions.list")).resolves.toEqualTypeOf<SessionsListResult>(); // all params optional
      // @ts-expect-error limit is a number
      void client.call("sessions.list", { limit: "5" });
      // @ts-expect-error unknown property for a strict params schema
      void client.call("sessions.list", { nope: true });
      // @ts-expect-error expectFinal is a boolean
      void client.call("sessions.list", {}, { expectFinal: "yes" });
    });
  });

  test("unknown methods: anything goes, result unknown", () => {
    typesOnly(() => {
      expectTypeOf(client.call("some.plugin.method", { any: ["thing"] })).resolves.toBeUnknown();
      const name: string = "sessions.list";
      expectTypeOf(client.call(name, 42)).resolves.toBeUnknown(); // a plain string is not narrowed
    });
  });
});

describe("event types", () => {
  test("known events have typed payloads; others are unknown", () => {
    typesOnly(() => {
      client.on("tick", (payload) => expectTypeOf(payload).toEqualTypeOf<TickPayload>());
      client.on("shutdown", (payload) => expectTypeOf(payload).toEqualTypeOf<ShutdownPayload>());
      client.on("agent", (payload) => expectTypeOf(payload).toEqualTypeOf<AgentEventPayload>());
      client.on("my.plugin.event", (payload) => expectTypeOf(payload).toBeUnknown());
      expectTypeOf(client.events("tick")).toEqualTypeOf<AsyncIterableIterator<GatewayEvent<"tick">>>();
      expectTypeOf(client.events()).toEqualTypeOf<AsyncIterableIterator<GatewayEvent<"*">>>();
    });
  });
});
