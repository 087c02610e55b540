/**
 * The pack's notion of "today", for exception expiry. The real CLI uses the system clock; the test harness
 * sets a fixed date so that expiry tests do not depend on when they run.
 */
let clock: () => Date = () => new Date();

/** The current date as the pack sees it. */
export function now(): Date {
  return clock();
}

/** Replaces the clock (the harness does this per run); returns a function restoring the previous one. */
export function setClock(next: () => Date): () => void {
  const previous = clock;
  clock = next;
  return () => {
    clock = previous;
  };
}
