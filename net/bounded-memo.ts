/**
 * Remembers the results of a pure function of one primitive (a text, a 128-bit value) for the life of the
 * process, up to `max` entries (then it starts over, which keeps memory bounded on programs with many
 * distinct values). For the parsers every layer calls again and again with the same few values: a mail host's
 * addresses are parsed by its validation, each renderer, the DNS plan and the facts, and `ip-address`'s
 * parser is most of a MailServer's own CPU time otherwise.
 *
 * Only results are remembered; a call that throws is not, so every failing call throws a fresh error. The
 * results must be immutable (strings, bigints, frozen objects): every caller gets the same one.
 */
export function boundedMemo<K extends string | bigint, V>(fn: (key: K) => V, max = 10_000): (key: K) => V {
  const cache = new Map<K, V>();
  return (key: K) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = fn(key);
    if (cache.size >= max) cache.clear();
    cache.set(key, value);
    return value;
  };
}
