/**
 * Runs `release` once the event loop next turns, without keeping the process alive for it.
 *
 * The pack's caches (the shared stack model, the parse memos) live for one analysis: `@pulumi/policy`'s
 * analyzer server runs all of a pack's stack policies for one `analyzeStack` request within one turn of the
 * event loop (only promise continuations between them), and the next request, for this stack or another,
 * arrives in a later turn. Dropping the caches then keeps memory bounded to one stack and makes every
 * analysis start cold, as it does in the Pulumi CLI's analyzer process.
 */
export function onNextTurn(release: () => void): void {
  setImmediate(release).unref();
}
