import * as pulumi from "@pulumi/pulumi";
import { elapsedMs } from "./stats";

/** What one program evaluation under the mock engine cost. */
export interface MockRunResult {
  /** From the program's first line until the last registration was answered. */
  readonly wallMs: number;
  /** Resources registered (components and custom resources, the stack included). */
  readonly registrations: number;
}

/**
 * Evaluates a Pulumi program under `pulumi.runtime.setMocks` and waits until every registration has been
 * answered, so the time covers the whole evaluation and not just the synchronous constructors. Mocks answer
 * with the inputs plus `outputs(args)` (the values a provider would compute, such as a droplet's address).
 *
 * The Pulumi runtime is process-global, so this runs once per process: the bench starts a fresh child per
 * measurement, which also makes the peak memory of the child the memory of this one evaluation.
 */
export async function evaluateUnderMocks(
  program: () => void,
  outputs: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined = () => undefined,
): Promise<MockRunResult> {
  let registrations = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registrations++;
        if (!args.custom) return { id: undefined, state: {} };
        return { id: `${args.name}-id`, state: { ...args.inputs, ...(outputs(args) ?? {}) } };
      },
      call: (args) => args.inputs,
    },
    "bench",
    "bench",
    false,
  );
  const start = process.hrtime.bigint();
  await pulumi.runtime.runInPulumiStack(async () => {
    program();
    return undefined;
  });
  await drainRegistrations();
  return { wallMs: elapsedMs(start), registrations };
}

async function drainRegistrations(): Promise<void> {
  // `waitForRPCs` (internal to @pulumi/pulumi, also used by the test harness) resolves once every outstanding
  // registration has been answered; the engine's own shutdown waits on the same queue.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
  if (!settings.waitForRPCs) throw new Error("bench: @pulumi/pulumi has no runtime.settings.waitForRPCs");
  await settings.waitForRPCs();
}
