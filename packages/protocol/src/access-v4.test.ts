import { describe, expect, test } from "vitest";
import { authorizeV4, eventAccessV4, mayReceiveEventV4, methodAccessV4, scopeSatisfied } from "./access-v4.js";

describe("v4 scopes", () => {
  test("admin satisfies all; write satisfies read, talk and the session scopes", () => {
    expect(scopeSatisfied(["operator.admin"], "operator.questions")).toBe(true);
    for (const s of ["operator.read", "operator.talk", "operator.sessions.read", "operator.sessions.write"]) expect(scopeSatisfied(["operator.write"], s)).toBe(true);
    expect(scopeSatisfied(["operator.sessions.write"], "operator.sessions.read")).toBe(true);
    expect(scopeSatisfied(["operator.read"], "operator.write")).toBe(false);
    expect(scopeSatisfied(["operator.read"], "operator.talk")).toBe(false);
  });

  test("moved methods", () => {
    expect(methodAccessV4("config.get")).toEqual({ kind: "scope", scope: "operator.read" });
    expect(methodAccessV4("config.schema")).toEqual({ kind: "scope", scope: "operator.read" });
    expect(methodAccessV4("sessions.resolve")).toEqual({ kind: "scope", scope: "operator.read" });
    expect(methodAccessV4("poll")).toEqual({ kind: "scope", scope: "operator.write" });
    expect(methodAccessV4("talk.mode")).toEqual({ kind: "scope", scope: "operator.talk" });
    expect(methodAccessV4("health")).toEqual({ kind: "authenticated" });
    expect(methodAccessV4("sessions.list")).toEqual({ kind: "scope", scope: "operator.read" });
    expect(methodAccessV4("config.set")).toEqual({ kind: "scope", scope: "operator.admin" });
  });

  test("denials say which scope is missing", () => {
    expect(authorizeV4("operator", ["operator.read"], methodAccessV4("chat.send"))).toEqual({
      kind: "scope",
      message: "missing scope: operator.write",
      missingScope: "operator.write",
      requiredScopes: ["operator.write"],
    });
    expect(authorizeV4("node", [], methodAccessV4("sessions.list"))).toEqual({ kind: "role", message: "unauthorized role: node" });
    expect(authorizeV4("node", [], methodAccessV4("health"))).toBeNull();
  });

  test("event gating fails closed", () => {
    expect(eventAccessV4("tick")).toBeNull();
    expect(eventAccessV4("chat")).toBe("operator.read");
    expect(eventAccessV4("exec.approval.requested")).toBe("operator.approvals");
    expect(eventAccessV4("something.unknown")).toBe(false);
    expect(mayReceiveEventV4("operator", [], "chat")).toBe(false);
    expect(mayReceiveEventV4("operator", ["operator.write"], "chat")).toBe(true);
    expect(mayReceiveEventV4("node", [], "chat")).toBe(false);
    expect(mayReceiveEventV4("node", [], "tick")).toBe(true);
    expect(mayReceiveEventV4("operator", ["operator.read"], "config.changed")).toBe(false);
  });
});
