/**
 * Runs components under `pulumi.runtime.setMocks` and records every registration as the resource monitor
 * receives it: type, name, parent URN, dependencies, and the inputs in their wire form, where a secret is
 * still wrapped in Pulumi's secret signature (the mock's own `MockResourceArgs` carry no parent, and push
 * secretness up to the enclosing object).
 *
 * Pulumi's runtime is process-global; `node --test` runs each test file in its own process, so every file
 * installs the mocks once with {@link installMocks} and calls {@link MockEnvironment.reset} between tests.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { resetDedicatedPrefixClaims } from "../../../components/prefix-claims";
import { InvalidConfigError } from "../../../net";

/** The key and value that mark a secret in the wire form of a property. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Outputs the fake providers compute. */
export const DROPLET_IPV4 = "203.0.113.20";
export const DROPLET_IPV6 = "2a03:b0c0:3:d0::1a:1";
export const HCLOUD_IPV4 = "203.0.113.21";
export const HCLOUD_IPV6 = "2a01:4f8:c17:1234::1";
export const HCLOUD_IPV6_NETWORK = "2a01:4f8:c17:1234::/64";
export const COMMAND_STDOUT = "ipv6-mail: changed";

/** One registration, as the resource monitor received it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** The parent's URN; undefined for a top-level resource. */
  readonly parent?: string;
  readonly urn: string;
  /** Inputs in wire form: secrets are `{ [SIG_KEY]: SECRET_SIG, value }` exactly where they were. */
  readonly inputs: Record<string, unknown>;
  readonly dependencies: readonly string[];
  /** What the component passed to `registerOutputs` (components only), in wire form. */
  outputs?: Record<string, unknown>;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): unknown } | undefined;
  getDependenciesList(): string[];
}
type RegisterCallback = (err: unknown, response?: { getUrn(): string }) => void;
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): unknown } | undefined;
}
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: RegisterCallback): void;
  registerResourceOutputs(req: OutputsRequest, cb: (err: unknown, r?: unknown) => void): void;
}

/** Numeric ids, as DigitalOcean and Hetzner Cloud give them. */
export const DROPLET_ID = 350001;
export const HCLOUD_SERVER_ID = 420001;
export const HCLOUD_FIREWALL_ID = 420101;

/**
 * The provider outputs a cloud would compute for the resources the components create; `id` (when given)
 * becomes the resource's id.
 */
export function providerOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  switch (args.type) {
    case "digitalocean:index/droplet:Droplet":
      return { id: String(DROPLET_ID), ipv4Address: DROPLET_IPV4, ipv6Address: DROPLET_IPV6 };
    case "hcloud:index/server:Server":
      return {
        id: String(HCLOUD_SERVER_ID),
        ipv4Address: HCLOUD_IPV4,
        ipv6Address: HCLOUD_IPV6,
        ipv6Network: HCLOUD_IPV6_NETWORK,
      };
    case "hcloud:index/firewall:Firewall":
      return { id: String(HCLOUD_FIREWALL_ID) };
    case "command:remote:Command":
      return { stdout: COMMAND_STDOUT, stderr: "" };
    case "pulumi-nodejs:dynamic:Resource":
      return { stdout: COMMAND_STDOUT };
    default:
      return {};
  }
}

/** The mocked runtime of one test file. */
export class MockEnvironment {
  readonly registrations: Registration[] = [];

  /** Waits until every registration the program started has reached the monitor. */
  async settle(): Promise<void> {
    // `waitForRPCs` drains the runtime's queue of outstanding registrations; it is internal to @pulumi/pulumi.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
  }

  /**
   * Lets registrations still in flight arrive, then forgets them and the dedicated /64s claimed so far (call
   * before each test).
   */
  async reset(): Promise<void> {
    await this.settle();
    this.registrations.length = 0;
    resetDedicatedPrefixClaims();
  }

  /** The registrations of one type (`ipv6-mail:index:MailServer`, `command:remote:Command`, …). */
  ofType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  /** The one registration of `type` named `name`. */
  get(type: string, name: string): Registration {
    const found = this.registrations.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} "${name}"; registered: ${this.describe()}`);
    return found[0];
  }

  /** `type name` of every registration, sorted, for comparing against an expected list. */
  inventory(): string[] {
    return this.registrations.map((r) => `${r.type} ${r.name}`).sort();
  }

  describe(): string {
    return this.inventory().join(", ") || "(nothing)";
  }
}

/**
 * Installs mocks for this process and wraps the mock monitor so that every registration is recorded.
 * `outputs` overrides or extends {@link providerOutputs}; with `preview`, an output the mock leaves out is
 * unknown, as in `pulumi preview` before the resource exists.
 */
export async function installMocks(
  outputs: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> = providerOutputs,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
  stack = "test",
  preview = false,
): Promise<MockEnvironment> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (!args.custom) return { id: undefined, state: {} };
        const { id, ...computed } = outputs(args);
        return {
          id: typeof id === "string" ? id : `${args.name}-id`,
          state: { ...args.inputs, ...computed },
        };
      },
      call: (args) => args.inputs,
    },
    "ipv6-mail",
    stack,
    preview,
  );
  const env = new MockEnvironment();
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    register(req, (err, response) => {
      if (!err && response) {
        env.registrations.push({
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          parent: req.getParent() || undefined,
          urn: response.getUrn(),
          inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
          dependencies: req.getDependenciesList(),
        });
      }
      cb(err, response);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const found = env.registrations.find((r) => r.urn === req.getUrn());
    if (found) found.outputs = (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
    registerOutputs(req, cb);
  };
  return env;
}

/** Whether a wire-form value is a secret. */
export function isWireSecret(value: unknown): boolean {
  return (
    value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** A wire-form value with every secret wrapper removed. */
export function unwrap(value: unknown): unknown {
  if (isWireSecret(value)) return unwrap((value as Record<string, unknown>).value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

/** An unwrapped input of a registration, as a string (fails the test when it isn't one). */
export function text(registration: Registration, property: string): string {
  const value = unwrap(registration.inputs[property]);
  assert.equal(typeof value, "string", `${registration.name}.${property} is a string`);
  return value as string;
}

/**
 * Every string of a wire-form value that is *not* inside a secret, with its property path: what would be
 * stored in plain text in the state.
 */
export function plainStrings(value: unknown, path = ""): Array<[string, string]> {
  if (isWireSecret(value)) return [];
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainStrings(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => plainStrings(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/**
 * Fails when any registered input or registered component output holds one of `secrets` outside a secret
 * wrapper.
 */
export function assertNoPlainSecrets(env: MockEnvironment, secrets: readonly string[]): void {
  for (const r of env.registrations) {
    for (const [where, value] of [
      ...plainStrings(r.inputs, "inputs"),
      ...plainStrings(r.outputs ?? {}, "outputs"),
    ]) {
      for (const secret of secrets) {
        assert.ok(!value.includes(secret), `${r.type} "${r.name}" ${where} holds a secret in plain text`);
      }
    }
  }
}

/** The value of an output (the program runs as `pulumi up`, so every value is known). */
export function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => {
    pulumi.output(input).apply((v) => {
      resolve(v as T);
      return v;
    });
  });
}

/** Whether an output is secret. */
export function isSecretOutput(input: pulumi.Input<unknown> | undefined): Promise<boolean> {
  return pulumi.Output.isInstance(input) ? pulumi.isSecret(input) : Promise.resolve(false);
}

/**
 * Runs `construct`, which must throw an {@link InvalidConfigError} of `component` named `resourceName`, and
 * checks that not one resource reached the monitor. Returns the error for further assertions.
 */
export async function expectRejected(
  env: MockEnvironment,
  construct: () => unknown,
  component: string,
  resourceName: string,
): Promise<InvalidConfigError> {
  await env.reset();
  let caught: unknown;
  try {
    construct();
  } catch (error) {
    caught = error;
  }
  await env.settle();
  assert.ok(caught instanceof InvalidConfigError, `expected an InvalidConfigError, got ${String(caught)}`);
  assert.equal(caught.component, component);
  assert.equal(caught.resourceName, resourceName);
  assert.ok(caught.message.startsWith(`Invalid ${component} "${resourceName}":\n - `), caught.message);
  assert.deepEqual(env.inventory(), [], "nothing may be registered for an invalid configuration");
  return caught;
}

/** The URN of a resource object. */
export function urnOf(resource: pulumi.Resource): Promise<string> {
  return valueOf(resource.urn);
}
