import { UNKNOWN_STRING_SENTINEL } from "./unknown";

/**
 * The Pulumi wire form of property values (the `google.protobuf.Struct` the engine and the language SDKs
 * exchange): special values are objects under a signature key. The engine hands analyzers their resources'
 * properties with secrets kept in that form (`MarshalOptions{KeepSecrets: true}`), and the resource monitor
 * receives registrations in it.
 */

/** The key whose value says which special value an object is. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** A secret: `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** A resource reference: `{ [SIG_KEY]: RESOURCE_SIG, urn, id? }`. */
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** An output value: `{ [SIG_KEY]: OUTPUT_SIG, value?, secret?, dependencies? }`. */
export const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/** Whether a wire value is a secret. */
export function isWireSecret(value: unknown): boolean {
  return (
    value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/**
 * A wire value as policies read it: secrets unwrapped (policies judge what a secret holds, as `@pulumi/policy`
 * lets them), resource references replaced by the resource's id (or URN when it has none), output values by
 * their value (an output value without one is unknown), `undefined` entries dropped. Unknown sentinels, assets and archives stay as they are.
 */
export function plainWireValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainWireValue);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  switch (record[SIG_KEY]) {
    case SECRET_SIG:
      return plainWireValue(record.value);
    case OUTPUT_SIG:
      return "value" in record ? plainWireValue(record.value) : UNKNOWN_STRING_SENTINEL;
    case RESOURCE_SIG:
      return typeof record.id === "string" && record.id !== "" ? record.id : record.urn;
    default: {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = plainWireValue(v);
      return out;
    }
  }
}
