import { describe, expect, test } from "vitest";
import { negotiateProtocol } from "./versions.js";

describe("negotiateProtocol", () => {
  test("picks the highest version both sides support", () => {
    expect(negotiateProtocol(3, 4)).toBe(4);
    expect(negotiateProtocol(3, 3)).toBe(3);
    expect(negotiateProtocol(4, 4)).toBe(4);
    expect(negotiateProtocol(1, 9)).toBe(4);
    expect(negotiateProtocol(1, 3)).toBe(3);
  });

  test("null when the ranges do not meet", () => {
    expect(negotiateProtocol(5, 6)).toBeNull();
    expect(negotiateProtocol(1, 2)).toBeNull();
    expect(negotiateProtocol(4, 3)).toBeNull();
  });

  test("follows a narrower server", () => {
    expect(negotiateProtocol(3, 4, [3])).toBe(3);
    expect(negotiateProtocol(4, 4, [3])).toBeNull();
  });
});
