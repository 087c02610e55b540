/**
 * Memoizes a function of a string. Every rule of the pack is a separate CrossGuard policy and gets its own
 * copy of the stack, so the same script texts, addresses and CIDRs are parsed once per rule; caching by text
 * makes the nine later passes nearly free. The cache is dropped when it grows past `max` entries, which keeps
 * memory bounded on stacks with many distinct values.
 */
export function memoByText<V>(fn: (text: string) => V, max = 200_000): (text: string) => V {
  const cache = new Map<string, V>();
  return (text: string) => {
    const hit = cache.get(text);
    if (hit !== undefined || cache.has(text)) return hit as V;
    if (cache.size >= max) cache.clear();
    const value = fn(text);
    cache.set(text, value);
    return value;
  };
}
