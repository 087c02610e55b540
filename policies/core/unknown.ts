/**
 * How the Pulumi engine hands a policy values that are not known yet.
 *
 * During `pulumi preview`, an output that a provider computes (a droplet's `ipv6Address`, an hcloud server's
 * `ipv6Network`) and every input derived from one is sent to the analyzer as one of seven sentinel strings
 * (`UnknownStringValue` and friends in the engine's `plugin/rpc.go`). `@pulumi/policy` wraps the properties in
 * a proxy that throws `UnknownValueError` when such a value is read; the policy framework turns that into an
 * *advisory* "can't run policy during preview" note, which would let a mandatory rule pass silently. The pack
 * therefore reads the raw, unproxied properties and recognises the sentinels itself, so that every rule can
 * decide what an unknown means (fail closed, or reason from structure).
 */

/** The engine's sentinels for unknown values, one per value type. */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (the engine uses it for most computed values)
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The sentinel the engine uses for a computed value of any type; the test harness uses it too. */
export const UNKNOWN_STRING_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A value the rules could not read because it is unknown at preview. */
export const UNKNOWN: unique symbol = Symbol("unknown at preview");

/** The type of {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/** A value that is known, absent (`undefined`) or {@link UNKNOWN}. */
export type Maybe<T> = T | undefined | Unknown;

/** Whether a raw property value is one of the engine's unknown sentinels. */
export function isUnknownValue(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** Whether a raw value is unknown or contains an unknown anywhere inside it. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknownValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

const PROXY_TARGET_KEY = "__getSpecialProxyTarget";
const IS_PROXY_KEY = "__isSpecialProxy";

/**
 * The plain object behind `@pulumi/policy`'s unknown-checking proxy (the proxy answers these two keys without
 * throwing). Nested values of the target are plain: the proxy wraps them lazily, on access.
 */
export function unwrapPolicyProps(props: unknown): Record<string, unknown> {
  if (props === null || typeof props !== "object") return {};
  const record = props as Record<string, unknown>;
  if (record[IS_PROXY_KEY] === true) {
    const target = record[PROXY_TARGET_KEY];
    if (target !== null && typeof target === "object") return target as Record<string, unknown>;
  }
  return record;
}

/** A human label for a maybe-value, for messages. */
export function describeMaybe(value: Maybe<unknown>): string {
  if (value === UNKNOWN) return "(unknown at preview)";
  if (value === undefined) return "(not set)";
  return typeof value === "string" ? value : JSON.stringify(value);
}
