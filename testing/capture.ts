import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN_STRING_SENTINEL } from "../policies/core/unknown";

/**
 * A value for mocks to return (or a test to place in an output) that stands for "unknown until the resource
 * exists": the engine's sentinel, so the program sees an unknown output and the policies see what the engine
 * hands them during `pulumi preview`.
 */
export const unknown: string = UNKNOWN_STRING_SENTINEL;

/** One registered resource as the engine would hand it to an analyzer. */
export interface CapturedResource {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  /** Custom (provider) resource, or a component. */
  readonly custom: boolean;
  readonly parent?: string;
  readonly provider?: string;
  /** Inputs as registered (secrets unwrapped, resource references replaced by their id or URN). */
  readonly inputs: Record<string, unknown>;
  /** What a stack policy sees: a custom resource's outputs, a component's registered outputs. */
  outputs: Record<string, unknown>;
  readonly dependencies: readonly string[];
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

/** A program's resources after a mocked run. */
export interface CapturedStack {
  readonly project: string;
  readonly stack: string;
  readonly preview: boolean;
  readonly resources: CapturedResource[];
  /** The program's stack outputs. */
  readonly outputs?: Record<string, unknown>;
}

/**
 * The errors a program run reported, as the engine's language host reports them: a resource that could not
 * be registered (a component's {@link pulumi.ResourceError} once an output was known, an `apply` that threw),
 * each error once. `pulumi up` would fail with the same messages.
 */
export class ProgramRunError extends Error {
  readonly errors: readonly unknown[];
  /** What was registered all the same (what the engine would have created before the update failed). */
  readonly resources: readonly CapturedResource[];

  constructor(errors: readonly unknown[], resources: readonly CapturedResource[]) {
    super(
      `The program run reported ${errors.length === 1 ? "an error" : `${errors.length} errors`}:\n${errors
        .map((e) => (e instanceof Error ? e.message : String(e)))
        .join("\n")}`,
    );
    this.name = "ProgramRunError";
    this.errors = errors;
    this.resources = resources;
  }
}

/** How {@link runProgram} mocks providers. */
export interface RunOptions {
  /** Run as `pulumi preview`: outputs a provider computes are unknown unless `outputs` gives them. Default false. */
  readonly preview?: boolean;
  readonly project?: string;
  readonly stack?: string;
  /** Stack configuration, keyed `project:key` (non-strings are JSON-encoded, as the CLI does). */
  readonly config?: Readonly<Record<string, unknown>>;
  /**
   * Outputs a provider would compute for a resource (ids, addresses). Merged over the inputs. Return
   * {@link unknown} for values that are unknown at preview.
   */
  readonly outputs?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** Answers provider function calls (invokes); default: echo the arguments. */
  readonly call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
}

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** Converts a wire value to the analyzer's plain form: secrets unwrapped, resource references by id or URN. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG] === SECRET_SIG) return plain(record.value);
    if (record[SIG] === RESOURCE_SIG)
      return typeof record.id === "string" && record.id !== "" ? record.id : record.urn;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}

function structToPlain(struct: { toJavaScript(): unknown } | undefined): Record<string, unknown> {
  if (!struct) return {};
  return (plain(struct.toJavaScript()) ?? {}) as Record<string, unknown>;
}

function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN_STRING_SENTINEL) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}

// The Pulumi runtime is process-global: runs are queued so two programs never share a mock monitor.
let queue: Promise<unknown> = Promise.resolve();

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

type Callback = (
  err: unknown,
  response?: { getUrn(): string; getObject(): { toJavaScript(): unknown } | undefined },
) => void;

interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): void;
  registerResourceOutputs(
    req: { getUrn(): string; getOutputs(): { toJavaScript(): unknown } | undefined },
    cb: (err: unknown, r?: unknown) => void,
  ): void;
}

/**
 * Runs a Pulumi program under mocks and records every registration the way the engine sees it: type, name,
 * URN, parent, provider, inputs, outputs, dependencies and property dependencies. Dependencies are not part of
 * `MockResourceArgs`, so the harness wraps the mock monitor and reads them from the registration requests.
 *
 * In preview mode an input computed from an unknown output keeps the engine's unknown sentinel, as the engine
 * hands it to analyzers during `pulumi preview`.
 *
 * Like the engine's language host, the run catches what fails outside the program's own call stack (the SDK
 * reports a resource that cannot be registered as a promise rejection nobody awaits) and fails with a
 * {@link ProgramRunError} listing each such error once, instead of letting Node end the process.
 */
export function runProgram(program: () => unknown, options: RunOptions = {}): Promise<CapturedStack> {
  const run = queue.then(() => runNow(program, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runNow(program: () => unknown, options: RunOptions): Promise<CapturedStack> {
  const project = options.project ?? "project";
  const stack = options.stack ?? "stack";
  const preview = options.preview ?? false;
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.config ?? {}))
    config[k.includes(":") ? k : `${project}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(config);

  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
      if (!args.custom) return { id: undefined, state: {} };
      const extra = options.outputs?.(args) ?? {};
      return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...extra } };
    },
    call: (args) => options.call?.(args) ?? args.inputs,
  };
  await pulumi.runtime.setMocks(mocks, project, stack, preview);

  const resources = new Map<string, CapturedResource>();
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const inputs = structToPlain(req.getObject());
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      propertyDependencies[k] = v.getUrnsList();
    });
    register(req, (err, response) => {
      if (!err && response) {
        const outputs = req.getCustom() ? structToPlain(response.getObject()) : {};
        if (preview) for (const [k, v] of Object.entries(inputs)) if (hasUnknown(v)) outputs[k] = v;
        resources.set(response.getUrn(), {
          type: req.getType(),
          urn: response.getUrn(),
          name: req.getName(),
          custom: req.getCustom(),
          parent: req.getParent() || undefined,
          provider: req.getProvider() || undefined,
          inputs,
          outputs,
          dependencies: req.getDependenciesList(),
          propertyDependencies,
        });
      }
      cb(err, response);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const captured = resources.get(req.getUrn());
    if (captured) captured.outputs = structToPlain(req.getOutputs());
    registerOutputs(req, cb);
  };

  const reported: unknown[] = [];
  const report = (error: unknown) => {
    if (!reported.includes(error)) reported.push(error);
  };
  // During the run this stands in for the language host, which is the process's only handler of these.
  const events = ["unhandledRejection", "uncaughtException"] as const;
  const others = events.map((event) => process.rawListeners(event));
  for (const event of events) {
    process.removeAllListeners(event);
    process.on(event, report);
  }
  let outputs: pulumi.Inputs | undefined;
  try {
    const run = (async () => {
      outputs = await pulumi.runtime.runInPulumiStack(async () => (await program()) as pulumi.Inputs);
      await waitForRegistrations();
    })();
    await settled(
      run,
      () => reported.length + resources.size,
      () => reported.length > 0,
    );
  } finally {
    events.forEach((event, i) => {
      process.off(event, report);
      for (const listener of others[i]) process.on(event, listener as (...args: unknown[]) => void);
    });
  }
  if (reported.length > 0) throw new ProgramRunError(reported, [...resources.values()]);
  return {
    project,
    stack,
    preview,
    resources: [...resources.values()],
    outputs: (outputs ?? undefined) as Record<string, unknown> | undefined,
  };
}

async function waitForRegistrations(): Promise<void> {
  // `waitForRPCs` drains the runtime's queue of outstanding registrations; it is internal to @pulumi/pulumi.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
  if (settings.waitForRPCs) await settings.waitForRPCs();
  else for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Turns of the event loop without progress after which a failed run counts as settled. */
const IDLE_TURNS = 10;

/**
 * Waits for `run` (the program and its registrations), rethrowing what the program threw. When a resource
 * failed to register, the SDK leaves whatever waits for it pending forever (the engine's language host just
 * exits once nothing else can run): so once `failed()`, the run also counts as settled when `progress()`
 * (registrations and errors seen) stays the same for {@link IDLE_TURNS} turns of the event loop. The mocked
 * monitor answers within microtasks, so a whole turn without progress means none will come.
 */
async function settled(run: Promise<void>, progress: () => number, failed: () => boolean): Promise<void> {
  let done = false;
  let thrown: { error: unknown } | undefined;
  run.then(
    () => (done = true),
    (error: unknown) => {
      done = true;
      thrown = { error };
    },
  );
  let idle = 0;
  let seen = -1;
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    const now = progress();
    idle = now === seen ? idle + 1 : 0;
    seen = now;
    if (failed() && idle >= IDLE_TURNS) return;
  }
  // Rejections of the last registrations are reported once the current turn ends.
  await new Promise((resolve) => setImmediate(resolve));
  if (thrown !== undefined) throw thrown.error;
}
