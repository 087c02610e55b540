import * as pulumi from "@pulumi/pulumi";

/**
 * The mock engine every mocked run of this package goes through (the harness `runProgram`, the components'
 * unit tests, the bench's program item): `pulumi.runtime.setMocks` with providers that answer a resource with
 * its inputs plus what a cloud would compute, and a resource monitor that records each registration the way
 * the engine receives it. Pulumi's runtime is process-global: one mock engine per process at a time.
 */

/** One registration, as the resource monitor received it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  /** Custom (provider) resource, or a component. */
  readonly custom: boolean;
  readonly urn: string;
  /** The parent's URN; undefined for the stack itself. */
  readonly parent?: string;
  readonly provider?: string;
  /** Inputs in wire form: secrets are still `{ [SIG_KEY]: SECRET_SIG, value }` where they were. */
  readonly inputs: Record<string, unknown>;
  /**
   * Outputs in wire form: a custom resource's state as the mock provider answered it, a component's what it
   * passed to `registerOutputs` (until then, nothing).
   */
  outputs: Record<string, unknown>;
  readonly dependencies: readonly string[];
  /** Property name to the URNs its value was computed from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

/** How {@link startMockEngine} mocks the engine. */
export interface MockEngineOptions {
  readonly project?: string;
  readonly stack?: string;
  /** Run as `pulumi preview`. Default false. */
  readonly preview?: boolean;
  /**
   * What a provider computes for a resource (addresses, ids); merged over its inputs. An `id` becomes the
   * resource's id (default: the import id, else `<name>-id`).
   */
  readonly outputs?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** Answers provider function calls (invokes); default: echo the arguments. */
  readonly call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
  /** Stack configuration, `project:key` to its string value (as the CLI passes it). */
  readonly config?: Readonly<Record<string, string>>;
  /** Which of `config` are secrets. */
  readonly secretKeys?: readonly string[];
  /** Keep every registration (default); false only counts them (the bench's timed runs). */
  readonly record?: boolean;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getObject(): { toJavaScript(): unknown } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
}

type RegisterCallback = (
  err: unknown,
  response?: { getUrn(): string; getObject(): { toJavaScript(): unknown } | undefined },
) => void;

interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): unknown } | undefined;
}

interface MonitorLike {
  registerResource(req: RegisterRequest, cb: RegisterCallback): void;
  registerResourceOutputs(req: OutputsRequest, cb: (err: unknown, r?: unknown) => void): void;
}

function wire(struct: { toJavaScript(): unknown } | undefined): Record<string, unknown> {
  return (struct?.toJavaScript() ?? {}) as Record<string, unknown>;
}

/** A running mock engine: what the program registered so far. */
export class MockEngine {
  /** Every registration answered so far, in the order they were answered (empty unless recording). */
  readonly registrations: Registration[] = [];
  private answered = 0;
  private readonly byUrn = new Map<string, Registration>();

  constructor(private readonly recording: boolean) {}

  /** How many registrations were answered (counted whether or not they are recorded). */
  get registrationCount(): number {
    return this.answered;
  }

  /** Waits until every registration the program started has been answered. */
  async settle(): Promise<void> {
    await drainRegistrations();
  }

  /** Forgets the registrations recorded so far. */
  clear(): void {
    this.registrations.length = 0;
    this.byUrn.clear();
    this.answered = 0;
  }

  /** @internal */
  record(req: RegisterRequest, urn: string, state: Record<string, unknown>): void {
    this.answered++;
    if (!this.recording) return;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      propertyDependencies[k] = v.getUrnsList();
    });
    const registration: Registration = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      urn,
      parent: req.getParent() || undefined,
      provider: req.getProvider() || undefined,
      inputs: wire(req.getObject()),
      outputs: req.getCustom() ? state : {},
      dependencies: req.getDependenciesList(),
      propertyDependencies,
    };
    this.registrations.push(registration);
    this.byUrn.set(urn, registration);
  }

  /** @internal */
  recordOutputs(urn: string, outputs: Record<string, unknown>): void {
    const registration = this.byUrn.get(urn);
    if (registration) registration.outputs = outputs;
  }
}

/**
 * Installs the mocks for this process and wraps the mock resource monitor so that every registration is
 * recorded with what `MockResourceArgs` leaves out: parent, provider, dependencies, property dependencies,
 * inputs in wire form and a component's registered outputs.
 */
export async function startMockEngine(options: MockEngineOptions = {}): Promise<MockEngine> {
  pulumi.runtime.setAllConfig({ ...(options.config ?? {}) }, [...(options.secretKeys ?? [])]);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (!args.custom) return { id: undefined, state: {} };
        const { id, ...computed } = options.outputs?.(args) ?? {};
        return {
          id: typeof id === "string" ? id : args.id || `${args.name}-id`,
          state: { ...args.inputs, ...computed },
        };
      },
      call: (args) => options.call?.(args) ?? args.inputs,
    },
    options.project ?? "project",
    options.stack ?? "stack",
    options.preview ?? false,
  );
  const engine = new MockEngine(options.record ?? true);
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    register(req, (err, response) => {
      if (!err && response) engine.record(req, response.getUrn(), wire(response.getObject()));
      cb(err, response);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    engine.recordOutputs(req.getUrn(), wire(req.getOutputs()));
    registerOutputs(req, cb);
  };
  return engine;
}

/**
 * Resolves once every registration the program started has been answered. It waits on the queue the Pulumi
 * runtime drains before a program ends (`waitForRPCs` in `@pulumi/pulumi/runtime/settings`, not part of its
 * typed API): without it a mocked run cannot tell when the last registration is done.
 */
export async function drainRegistrations(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
  if (!settings.waitForRPCs) {
    throw new Error("ipv6-mail/testing: @pulumi/pulumi has no runtime.settings.waitForRPCs to wait on");
  }
  await settings.waitForRPCs();
}
