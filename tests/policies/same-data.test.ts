import { test } from "node:test";
import assert from "node:assert/strict";
import { sameData } from "../../policies/core/same-data";

test("sameData: equal plain data is the same, whoever made the copies", () => {
  const value = { a: [1, "x", null, true, { b: [] }], c: { d: "2001:db8::1" }, n: Number.NaN };
  assert.equal(sameData(value, structuredClone(value)), true);
  assert.equal(sameData(value, JSON.parse(JSON.stringify({ ...value, n: 0 }))), false);
  assert.equal(sameData(Object.assign(Object.create(null), { a: 1 }), { a: 1 }), true);
});

test("sameData: any difference, in value, type, length, key or key order, is a difference", () => {
  const base = { a: [1, "x"], b: { c: "y" } };
  const others: unknown[] = [
    { a: [1, "x", undefined], b: { c: "y" } },
    { a: [1, "x"], b: { c: "y", d: undefined } },
    { a: [1, "1"], b: { c: "y" } },
    { a: ["1", "x"], b: { c: "y" } },
    { b: { c: "y" }, a: [1, "x"] },
    { a: { 0: 1, 1: "x" }, b: { c: "y" } },
    { a: [1, "x"], b: { C: "y" } },
    { a: [1, "x"], b: null },
    { a: [1, "x"] },
  ];
  for (const other of others) assert.equal(sameData(base, other), false, JSON.stringify(other));
  assert.equal(sameData(0, -0), false);
});

test("sameData: objects that are not plain data are the same only when they are the same object", () => {
  const date = new Date(0);
  assert.equal(sameData({ at: date }, { at: date }), true);
  assert.equal(sameData({ at: date }, { at: new Date(0) }), false);
  assert.equal(sameData({ p: Promise.resolve(1) }, { p: Promise.resolve(1) }), false);
});
