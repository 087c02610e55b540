import * as pulumi from "@pulumi/pulumi";

/**
 * Marks a value that is not known while the program runs: the output of another resource, or a promise.
 * Validation skips such a value up front and checks it once it resolves, before anything reaches a host.
 */
export const NOT_YET_KNOWN: unique symbol = Symbol("not yet known");

/** A plain value, or the marker that it is not known yet. */
export type Known<T> = T | typeof NOT_YET_KNOWN;

/** Whether an input holds no Output or Promise anywhere inside it (arrays and plain objects are walked). */
export function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (Array.isArray(value)) return value.every(isPlain);
  if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
  return true;
}

/**
 * The value of an input if it is plain, else {@link NOT_YET_KNOWN}. Components call this to validate
 * everything that the program states literally (stack config, constants) before registering any resource.
 */
export function knownValue<T>(input: pulumi.Input<T> | undefined): Known<T | undefined> {
  return isPlain(input) ? (input as T | undefined) : NOT_YET_KNOWN;
}
