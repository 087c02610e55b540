import type { PolicyResource } from "@pulumi/policy";
import { isUnknownValue, Maybe, UNKNOWN, unwrapPolicyProps } from "./unknown";

/**
 * One resource of the stack as the rules see it: raw properties (unknown sentinels kept, see `unknown.ts`) and
 * the graph edges as URNs. Built once per analysis from what the engine sent (`policies/analyzer/`) or from
 * `@pulumi/policy`'s `PolicyResource`s, so rules never touch the unknown-checking proxy and never compare
 * objects by identity.
 */
export interface ResourceView {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  /** Outputs for stack analysis (for a component: the outputs it registered). */
  readonly props: Readonly<Record<string, unknown>>;
  readonly parent?: string;
  /** URNs of the resources of the stack this one depends on. */
  readonly dependencies: readonly string[];
  /** Property name to the URNs (of resources of the stack) its value was computed from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

/** The view of one resource as the engine describes it (the one place views are made). */
export function viewResource(resource: ResourceView): ResourceView {
  const script = asHostScript(resource.type, resource.props);
  return script ? { ...resource, type: "command:remote:Command", props: script } : resource;
}

/** Converts `@pulumi/policy`'s resources to views; linear in the number of resources and edges. */
export function viewResources(resources: readonly PolicyResource[]): ResourceView[] {
  return resources.map((r) => {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, deps] of Object.entries(r.propertyDependencies ?? {})) {
      propertyDependencies[key] = (deps ?? []).map((d) => d.urn);
    }
    return viewResource({
      type: r.type,
      urn: r.urn,
      name: r.name,
      props: unwrapPolicyProps(r.props),
      parent: r.parent?.urn ?? r.opts?.parent,
      dependencies: (r.dependencies ?? []).map((d) => d.urn),
      propertyDependencies,
    });
  });
}

/** The dynamic provider's token: `pulumi.dynamic.Resource`s of any program carry it. */
const DYNAMIC_RESOURCE_TYPE = "pulumi-nodejs:dynamic:Resource";

/**
 * A host script applied over SSH by a dynamic resource with the command provider's shape (`host` plus the
 * `apply` / `remove` scripts, as a hand-written transport may register) is judged exactly like a
 * `command:remote:Command`: its `apply` is read as `create`.
 */
function asHostScript(
  type: string,
  props: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined {
  if (type !== DYNAMIC_RESOURCE_TYPE || !("apply" in props) || !("host" in props)) return undefined;
  return { ...props, create: props.apply, delete: props.remove };
}

/** Reads a property path; `UNKNOWN` when any step is an unknown sentinel, `undefined` when absent. */
export function read(
  props: Readonly<Record<string, unknown>> | undefined,
  ...path: (string | number)[]
): unknown {
  let current: unknown = props;
  for (const key of path) {
    if (isUnknownValue(current)) return UNKNOWN;
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return isUnknownValue(current) ? UNKNOWN : current;
}

/** A string property (numbers are stringified), `UNKNOWN`, or `undefined`. */
export function readString(
  props: Readonly<Record<string, unknown>> | undefined,
  ...path: (string | number)[]
): Maybe<string> {
  const value = read(props, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** A boolean property, `UNKNOWN`, or `undefined`. */
export function readBoolean(
  props: Readonly<Record<string, unknown>> | undefined,
  ...path: (string | number)[]
): Maybe<boolean> {
  const value = read(props, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

/** An array property (elements kept raw), `UNKNOWN`, or `undefined`. */
export function readArray(
  props: Readonly<Record<string, unknown>> | undefined,
  ...path: (string | number)[]
): Maybe<unknown[]> {
  const value = read(props, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  return Array.isArray(value) ? value : undefined;
}

/**
 * A list of strings; `UNKNOWN` when the list or any element is unknown (a firewall source list with one
 * unknown entry cannot be judged as a whole).
 */
export function readStringList(
  props: Readonly<Record<string, unknown>> | undefined,
  ...path: (string | number)[]
): Maybe<string[]> {
  const list = readArray(props, ...path);
  if (list === UNKNOWN || list === undefined) return list;
  const out: string[] = [];
  for (const element of list) {
    if (isUnknownValue(element)) return UNKNOWN;
    if (typeof element === "string") out.push(element);
    else if (typeof element === "number") out.push(String(element));
  }
  return out;
}

/** The last type segment of a URN's qualified type, e.g. `digitalocean:index/droplet:Droplet`. */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return qualified.split("$").pop() ?? qualified;
}

/** The resource name at the end of a URN. */
export function nameOfUrn(urn: string): string {
  const parts = urn.split("::");
  return parts.slice(3).join("::");
}
