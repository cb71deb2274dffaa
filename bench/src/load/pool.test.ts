import { expect, test } from "vitest";
import { share } from "./pool.js";

test("work is split evenly, the first workers taking the remainder", () => {
  expect([0, 1].map((i) => share(256, 2, i))).toEqual([128, 128]);
  expect([0, 1].map((i) => share(1, 2, i))).toEqual([1, 0]);
  expect([0, 1, 2].map((i) => share(10, 3, i))).toEqual([4, 3, 3]);
});
