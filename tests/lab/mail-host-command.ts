import assert from "node:assert/strict";

import type { LabStack } from "../../lab-driver/lab-stack";

/** The `lab` stack's host command (`mail-host`) as its state records it after an update. */
export interface MailHostCommand {
  /** What the apply script printed (the packages line, the sections' results, the final result). */
  readonly stdout: string;
  /** The remove script `pulumi destroy` runs on the host. */
  readonly remove: string;
}

/** Reads the mail host's command from the stack's state (`pulumi stack export`, secrets in plain text). */
export async function mailHostCommand(stack: LabStack): Promise<MailHostCommand> {
  const { inputs, outputs } = await stack.stateResource("command:remote:Command", "mail-host");
  assert.equal(typeof outputs.stdout, "string", "the apply command's state has its stdout");
  assert.equal(typeof inputs.delete, "string", "the apply command's state has its remove script");
  return { stdout: outputs.stdout as string, remove: inputs.delete as string };
}
