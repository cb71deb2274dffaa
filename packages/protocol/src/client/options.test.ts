import { describe, expect, test } from "vitest";
import { buildConnectParams } from "./options.js";

describe("buildConnectParams: which versions the client offers", () => {
  test("protocol 3 only by default, scopes left to the server", async () => {
    const params = await buildConnectParams({ url: "ws://x", token: "t" }, "n");
    expect(params).toMatchObject({ minProtocol: 3, maxProtocol: 3, auth: { token: "t" } });
    expect(params).not.toHaveProperty("scopes");
  });

  test("maxProtocol 4 offers 3..4 and asks for admin itself, as v4 servers grant no default", async () => {
    expect(await buildConnectParams({ url: "ws://x", maxProtocol: 4 }, "n")).toMatchObject({ minProtocol: 3, maxProtocol: 4, scopes: ["operator.admin"] });
    expect(await buildConnectParams({ url: "ws://x", maxProtocol: 4, scopes: ["operator.read"] }, "n")).toMatchObject({ scopes: ["operator.read"] });
    expect(await buildConnectParams({ url: "ws://x", maxProtocol: 4, role: "node" }, "n")).not.toHaveProperty("scopes");
  });
});
