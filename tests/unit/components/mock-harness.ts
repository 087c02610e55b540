/**
 * The components' unit tests on the package's mock engine (`testing/mock-engine.ts`): every registration as
 * the resource monitor receives it (type, name, parent URN, dependencies, inputs in their wire form, where a
 * secret is still wrapped in Pulumi's secret signature), plus the assertions these tests share.
 *
 * Pulumi's runtime is process-global; `node --test` runs each test file in its own process, so every file
 * installs the mocks once with {@link installMocks} and calls {@link MockEnvironment.reset} between tests.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { resetDedicatedPrefixClaims } from "../../../components/prefix-claims";
import { InvalidConfigError } from "../../../net";
import { isWireSecret, plainWireValue } from "../../../policies/core/wire-values";
import { MockEngine, Registration, startMockEngine } from "../../../testing/mock-engine";

export type { Registration } from "../../../testing/mock-engine";
export { isWireSecret } from "../../../policies/core/wire-values";

/** Outputs the fake providers compute. */
export const DROPLET_IPV4 = "203.0.113.20";
export const DROPLET_IPV6 = "2a03:b0c0:3:d0::1a:1";
export const HCLOUD_IPV4 = "203.0.113.21";
export const HCLOUD_IPV6 = "2a01:4f8:c17:1234::1";
export const HCLOUD_IPV6_NETWORK = "2a01:4f8:c17:1234::/64";
export const COMMAND_STDOUT = "ipv6-mail: changed";

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

/** The mocked runtime of one test file (the mock engine of `testing/mock-engine.ts`). */
export class MockEnvironment {
  constructor(private readonly engine: MockEngine) {}

  /** Every registration so far, as the resource monitor received it. */
  get registrations(): Registration[] {
    return this.engine.registrations;
  }

  /** Waits until every registration the program started has reached the monitor. */
  settle(): Promise<void> {
    return this.engine.settle();
  }

  /**
   * Lets registrations still in flight arrive, then forgets them and the dedicated /64s claimed so far (call
   * before each test).
   */
  async reset(): Promise<void> {
    await this.settle();
    this.engine.clear();
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
 * Installs the mock engine for this process (every registration recorded). `outputs` overrides or extends
 * {@link providerOutputs}; with `preview`, an output the mock leaves out is unknown, as in `pulumi preview`
 * before the resource exists.
 */
export async function installMocks(
  outputs: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> = providerOutputs,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
  stack = "test",
  preview = false,
): Promise<MockEnvironment> {
  const engine = await startMockEngine({ project: "ipv6-mail", stack, preview, outputs, config, secretKeys });
  return new MockEnvironment(engine);
}

/** A wire-form value with every secret wrapper removed. */
export function unwrap(value: unknown): unknown {
  return plainWireValue(value);
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
