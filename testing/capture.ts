import * as pulumi from "@pulumi/pulumi";
import { containsUnknown, UNKNOWN_STRING_SENTINEL } from "../policies/core/unknown";
import { plainWireValue } from "../policies/core/wire-values";
import { Registration, startMockEngine } from "./mock-engine";

/**
 * A value for mocks to return (or a test to place in an output) that stands for "unknown until the resource
 * exists": the engine's sentinel, so the program sees an unknown output and the policies see what the engine
 * hands them during `pulumi preview`.
 */
export const unknown: string = UNKNOWN_STRING_SENTINEL;

/** One registered resource as the engine would hand it to an analyzer: a registration with plain values. */
export interface CapturedResource extends Omit<Registration, "inputs" | "outputs"> {
  /** Inputs as registered (secrets unwrapped, resource references replaced by their id or URN). */
  readonly inputs: Record<string, unknown>;
  /**
   * What a stack policy sees: a custom resource's outputs (at preview with its unknown inputs), a component's
   * registered outputs.
   */
  outputs: Record<string, unknown>;
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

function plain(value: Record<string, unknown>): Record<string, unknown> {
  return plainWireValue(value) as Record<string, unknown>;
}

// The Pulumi runtime is process-global: runs are queued so two programs never share a mock monitor.
let queue: Promise<unknown> = Promise.resolve();

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
  const engine = await startMockEngine({
    project,
    stack,
    preview,
    config,
    outputs: options.outputs,
    call: options.call,
  });

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
      await engine.settle();
    })();
    await settled(
      run,
      () => reported.length + engine.registrationCount,
      () => reported.length > 0,
    );
  } finally {
    events.forEach((event, i) => {
      process.off(event, report);
      for (const listener of others[i]) process.on(event, listener as (...args: unknown[]) => void);
    });
  }
  const resources = engine.registrations.map((r): CapturedResource => {
    const inputs = plain(r.inputs);
    const state = plain(r.outputs);
    // During a preview the engine hands analyzers the unknown inputs of a resource as its outputs too.
    if (preview && r.custom)
      for (const [k, v] of Object.entries(inputs)) if (containsUnknown(v)) state[k] = v;
    return {
      type: r.type,
      urn: r.urn,
      name: r.name,
      custom: r.custom,
      parent: r.parent,
      provider: r.provider,
      inputs,
      outputs: state,
      dependencies: r.dependencies,
      propertyDependencies: r.propertyDependencies,
    };
  });
  if (reported.length > 0) throw new ProgramRunError(reported, resources);
  return {
    project,
    stack,
    preview,
    resources,
    outputs: (outputs ?? undefined) as Record<string, unknown> | undefined,
  };
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
