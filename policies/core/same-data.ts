/**
 * Whether two property values hold the same data, compared exactly: the same primitives (`Object.is`), arrays
 * of the same length with the same elements, plain objects with the same keys in the same order and the same
 * values. Anything else (an asset, a class instance, a function) is the same only when it is the same object:
 * its contents cannot be compared as data, so two distinct ones count as different. This errs one way only:
 * "different" may be said of equal data, "same" is never said of different data.
 *
 * Key order counts because the stack model iterates properties in order (labels, tags), and the same engine
 * sends the same stack with the same order.
 *
 * @example
 * sameData({ a: [1, "x"] }, { a: [1, "x"] }); // true
 * sameData({ a: 1, b: 2 }, { b: 2, a: 1 });   // false: order differs
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i];
    if (key !== keysB[i]) return false;
    if (!sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
