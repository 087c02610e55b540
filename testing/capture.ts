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
  const outputs = await pulumi.runtime.runInPulumiStack(async () => (await program()) as pulumi.Inputs);
  await engine.settle();
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
  return {
    project,
    stack,
    preview,
    resources,
    outputs: (outputs ?? undefined) as Record<string, unknown> | undefined,
  };
}
