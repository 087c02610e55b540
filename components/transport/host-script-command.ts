import * as pulumi from "@pulumi/pulumi";
import { remote, types } from "@pulumi/command";
import { OpenSshScript } from "./openssh-script";

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
   * `command` (default): `@pulumi/command` remote commands. `openssh`: the machine's OpenSSH client through a
   * dynamic provider ({@link OpenSshScript}), where the command provider plugin can't be installed.
   */
  transport?: HostTransport;
  /**
   * Resources (or an output of them) the commands wait for. An output that fails keeps the commands from
   * being registered at all: a component's check of values known only at the update (see `LateCheck`).
   */
  dependsOn?: pulumi.Input<pulumi.Resource[]>;
}

/** How host scripts reach the host. */
export type HostTransport = "command" | "openssh";

/** A registered host script, by either transport; both expose the script's `stdout`. */
export type HostScriptResource = remote.Command | OpenSshScript;

/** The commands registered for one host script. */
export interface HostScriptCommands {
  readonly apply: HostScriptResource;
  readonly confirm?: HostScriptResource;
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
  if (args.transport === "openssh") return registerOverOpenSsh(name, args, parent);
  const apply = new remote.Command(
    name,
    {
      connection: args.connection,
      create: args.apply,
      update: args.apply,
      delete: args.remove,
      stdin: args.stdin === undefined ? undefined : pulumi.secret(args.stdin),
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

function registerOverOpenSsh(
  name: string,
  args: HostScriptCommandArgs,
  parent: pulumi.Resource,
): HostScriptCommands {
  const c = args.connection;
  const target = {
    host: c.host,
    port: c.port,
    user: c.user,
    privateKey: c.privateKey as pulumi.Input<string>,
  };
  const apply = new OpenSshScript(
    name,
    { ...target, apply: args.apply, remove: args.remove, stdin: args.stdin },
    { parent, dependsOn: args.dependsOn },
  );
  if (args.confirm === undefined) return { apply };
  const confirm = new OpenSshScript(
    `${name}-confirm`,
    { ...target, apply: args.confirm, remove: "true", triggers: [args.apply] },
    { parent, dependsOn: after(args, apply) },
  );
  return { apply, confirm };
}
