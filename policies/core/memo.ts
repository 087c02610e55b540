import { onNextTurn } from "./next-turn";

/**
 * Memoizes a function of a string. Several rules and helpers parse the same script texts, addresses and CIDRs
 * during one analysis; caching by text makes the repeats nearly free. The cache lives for one analysis: it is
 * dropped when the event loop turns (see `onNextTurn`), and when it grows past `max` entries, which keeps memory
 * bounded on stacks with many distinct values.
 */
export function memoByText<V>(fn: (text: string) => V, max = 200_000): (text: string) => V {
  const cache = new Map<string, V>();
  let releaseScheduled = false;
  const release = () => {
    releaseScheduled = false;
    cache.clear();
  };
  return (text: string) => {
    const hit = cache.get(text);
    if (hit !== undefined || cache.has(text)) return hit as V;
    if (cache.size >= max) cache.clear();
    const value = fn(text);
    cache.set(text, value);
    if (!releaseScheduled) {
      releaseScheduled = true;
      onNextTurn(release);
    }
    return value;
  };
}
