/**
 * Polls `probe` until it returns a value other than `undefined`, or throws naming `what` after `timeoutMs`.
 *
 * Why poll: the lab's effects (a boot, a delivery in the remote MX's log, a deferred queue entry) happen on
 * an emulated CPU at their own pace; a fixed sleep is either too short on a loaded machine or wasted time.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 500 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`lab: gave up waiting for ${what} after ${timeoutMs} ms${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
