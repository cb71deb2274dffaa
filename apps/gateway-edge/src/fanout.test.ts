import { describe, expect, test } from "vitest";
import type { Connection } from "./connection.js";
import { Broadcaster } from "./fanout.js";

/** A handshaken client as the broadcaster sees it: role, scopes, and what it was sent. */
function client(role: string, scopes: string[]): { conn: Connection; received: string[] } {
  const received: string[] = [];
  const conn = {
    state: "open",
    role,
    scopes,
    bufferedAmount: 0,
    dialect: { name: "native", eventText: (event: string) => event },
    sendRaw: (text: string) => (received.push(text), true),
    close: () => undefined,
  } as unknown as Connection;
  return { conn, received };
}

describe("Broadcaster: who receives which event (spec §6.2, plus our admin-only events)", () => {
  const clients = {
    admin: client("operator", ["operator.admin"]),
    reader: client("operator", ["operator.read"]),
    writer: client("operator", ["operator.read", "operator.write"]),
    pairer: client("operator", ["operator.pairing"]),
    approver: client("operator", ["operator.approvals"]),
    node: client("node", ["operator.admin"]),
  };
  const broadcaster = new Broadcaster(new Map(Object.entries(clients).map(([name, c]) => [name, c.conn])), 1024);
  for (const event of ["tick", "device.pair.requested", "node.pair.resolved", "exec.approval.requested", "config.changed"]) broadcaster.broadcast(event, {});
  const got = (name: keyof typeof clients) => clients[name].received;

  test("config.changed reaches operator.admin only", () => {
    expect(Object.keys(clients).filter((name) => got(name as keyof typeof clients).includes("config.changed"))).toEqual(["admin"]);
  });

  test("pairing and approval guards hold; unguarded events reach everyone; nodes get no guarded event", () => {
    expect(got("admin")).toEqual(["tick", "device.pair.requested", "node.pair.resolved", "exec.approval.requested", "config.changed"]);
    expect(got("pairer")).toEqual(["tick", "device.pair.requested", "node.pair.resolved"]);
    expect(got("approver")).toEqual(["tick", "exec.approval.requested"]);
    expect(got("reader")).toEqual(["tick"]);
    expect(got("writer")).toEqual(["tick"]);
    expect(got("node")).toEqual(["tick"]);
  });
});
