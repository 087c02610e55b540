import * as deserializeModule from "@pulumi/policy/deserialize";
import * as versionModule from "@pulumi/policy/version";

/**
 * The `@pulumi/policy` versions whose analyzer server this was checked against: each stack policy (and each
 * resource policy) gets the properties through `deserialize.deserializeProperties(<the request's Struct>,
 * false)`, looked up on the module object at every call; the request's `getProperties()` returns the same
 * Struct object every time; the server wraps the result in a new unknown-checking proxy and never writes to
 * it. Another version leaves the analyzer as it is until it has been checked the same way (the pack's tests
 * fail then, see `tests/policies/shared-properties.test.ts`).
 */
const CHECKED_VERSIONS = /^1\.21\./;

/** Whether the pack's stack policies share one deserialized copy of each resource's properties. */
export type PropertySharing =
  | { readonly active: true }
  | {
      readonly active: false;
      /** Why not: never installed, stopped, or the installed `@pulumi/policy` is not the expected one. */
      readonly reason: string;
    };

type Deserialize = (struct: unknown, proxySecrets: unknown) => Record<string, unknown>;

interface Installed {
  readonly original: Deserialize;
  readonly shared: Deserialize;
}

const moduleObject = deserializeModule as unknown as Record<string, unknown>;
let installed: Installed | undefined;
let lastReason = "not installed (only the pack's entry point, policies/index.ts, installs it)";

/**
 * Makes the stack policies of this process share one deserialized copy of each resource's properties per
 * analysis, instead of one copy per policy.
 *
 * `@pulumi/policy`'s analyzer server deserializes every resource's properties afresh for every stack policy;
 * with one stack policy per rule that was most of an analysis. This wraps `deserializeProperties` on the
 * module object the server calls: the plain (no secret-proxy) deserialization of a request's properties
 * `Struct` is kept in a `WeakMap` keyed by that Struct, so the second and later policies of the same request
 * get the same object (each still behind its own unknown-checking proxy). Everything else (the secret-keeping
 * deserialization remediations use, any other caller) goes to the original function unchanged.
 *
 * Why this is safe in the pack's process:
 * - The shared properties are a read-only view: no rule of the pack writes to a resource's properties (they
 *   read them into the stack model, see `resource-view.ts`), the server does not write to them either, and the
 *   pack's tests check that the properties are unchanged after an analysis. A policy that wrote to them would
 *   let the next policy see its write, which is why only the pack's own entry point installs this, and a
 *   process that mixes in other policies should not.
 * - The cache key is the request's own Struct object, new for every request, so a request never sees another
 *   request's properties, and memory stays bounded: the entries go when the request is collected.
 * - If `@pulumi/policy` is not a checked version, or its module does not have the expected shape (a
 *   writable `deserializeProperties` function of two parameters), nothing is changed: slower, never wrong.
 *
 * Idempotent. Returns whether the sharing is in effect (and why not).
 */
export function shareResourceProperties(): PropertySharing {
  if (installed) return { active: true };
  const version = (versionModule as unknown as { version?: unknown }).version;
  if (typeof version !== "string" || !CHECKED_VERSIONS.test(version)) {
    lastReason = `@pulumi/policy ${String(version)} is not a version this was checked against (${String(CHECKED_VERSIONS)})`;
    return propertySharing();
  }
  const descriptor = Object.getOwnPropertyDescriptor(moduleObject, "deserializeProperties");
  const original = descriptor?.value as unknown;
  if (typeof original !== "function" || original.length !== 2 || descriptor?.writable !== true) {
    lastReason =
      "@pulumi/policy/deserialize does not export deserializeProperties(struct, proxySecrets) as expected";
    return propertySharing();
  }
  const deserialize = original as Deserialize;
  const copies = new WeakMap<object, Record<string, unknown>>();
  const shared: Deserialize = (struct, proxySecrets) => {
    if (proxySecrets !== false || struct === null || typeof struct !== "object") {
      return deserialize(struct, proxySecrets);
    }
    let props = copies.get(struct);
    if (props === undefined) {
      props = deserialize(struct, proxySecrets);
      copies.set(struct, props);
    }
    return props;
  };
  moduleObject.deserializeProperties = shared;
  installed = { original: deserialize, shared };
  return { active: true };
}

/**
 * Puts `@pulumi/policy`'s own `deserializeProperties` back (each policy gets its own copy again). For tests
 * and the benchmark, which compare the analyzer with and without the sharing in one process.
 */
export function stopSharingResourceProperties(): void {
  if (!installed) return;
  if (moduleObject.deserializeProperties === installed.shared) {
    moduleObject.deserializeProperties = installed.original;
  }
  installed = undefined;
  lastReason = "stopped";
}

/** Whether {@link shareResourceProperties} is in effect now, and why not. */
export function propertySharing(): PropertySharing {
  if (installed && moduleObject.deserializeProperties === installed.shared) return { active: true };
  return { active: false, reason: installed ? "replaced by someone else" : lastReason };
}
