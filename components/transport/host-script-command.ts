import * as pulumi from "@pulumi/pulumi";
import { remote, types } from "@pulumi/command";

/** What a host needs to run one configuration: the scripts (rendered by host-config) and how to reach it. */
export interface HostScriptCommandArgs {
  connection: types.input.remote.ConnectionArgs;
  /** Idempotent apply script; runs on create and on every change. */
  apply: pulumi.Input<string>;
  /** Removes exactly what apply added; runs on delete. */
  remove: pulumi.Input<string>;
  /** Secret input for the script (e.g. HE credentials), passed on stdin, never on a command line. */
  stdin?: pulumi.Input<string>;
  /**
   * Run over a second, new SSH connection after apply: proves the host is still reachable and cancels the
   * firewall's timed rollback.
   */
  confirm?: pulumi.Input<string>;
  /**
   * Resources (or an output of them) the commands wait for. An output that fails keeps the commands from
   * being registered at all: a component's check of values known only at the update (see `LateCheck`).
   */
  dependsOn?: pulumi.Input<pulumi.Resource[]>;
}

/** The commands registered for one host script. */
export interface HostScriptCommands {
  readonly apply: remote.Command;
  readonly confirm?: remote.Command;
}

/**
 * Registers the remote commands that apply a host script: one SSH session for apply (create and update run
 * the same idempotent script, so changed inputs update in place and equal inputs change nothing), and one for
 * the confirmation. Components never assemble shell themselves; they pass what host-config rendered.
 */
export function registerHostScript(
  name: string,
  args: HostScriptCommandArgs,
  parent: pulumi.Resource,
): HostScriptCommands {
  const apply = new remote.Command(
    name,
    {
      connection: args.connection,
      create: args.apply,
      update: args.apply,
      delete: args.remove,
      stdin: args.stdin === undefined ? undefined : pulumi.secret(args.stdin),
      // The scripts never read the previous run's output; passing it needs AcceptEnv in sshd_config, and
      // without it the provider warns on every update.
      addPreviousOutputInEnv: false,
    },
    { parent, additionalSecretOutputs: ["stdin"], deleteBeforeReplace: true, dependsOn: args.dependsOn },
  );
  if (args.confirm === undefined) return { apply };
  const confirm = new remote.Command(
    `${name}-confirm`,
    {
      connection: args.connection,
      create: args.confirm,
      update: args.confirm,
      // Confirm again whenever the applied script changes (it may have armed a new rollback).
      triggers: [apply.create],
      addPreviousOutputInEnv: false,
    },
    { parent, dependsOn: after(args, apply) },
  );
  return { apply, confirm };
}

/** `dependsOn` of the confirmation: the apply command, and whatever the apply waits for. */
function after(args: HostScriptCommandArgs, apply: pulumi.Resource): pulumi.Input<pulumi.Resource[]> {
  if (args.dependsOn === undefined) return [apply];
  return pulumi.output(args.dependsOn).apply((resources) => [...resources, apply]);
}
