import * as pulumi from "@pulumi/pulumi";
import { MailHost } from "./mail-host";
import { types } from "@pulumi/command";
import { commandConnection, SshConnectionArgs } from "../transport/ssh-connection";
import {
  checkPublicIpv6Prefix,
  ConfigProblem,
  ConfigProblems,
  isIpv4Address,
  PREFIX_SOURCES,
  PrefixSource,
} from "../../net";
import { knownValue, NOT_YET_KNOWN } from "../known-input";
import { checkHostOs, HostOs } from "./host-os";

const TYPE = "ipv6-mail:index:ExistingHost";

/** Arguments of {@link ExistingHost}. */
export interface ExistingHostArgs {
  /** How to reach it over SSH. */
  ssh: SshConnectionArgs;
  /** Its public IPv4 address (A record, SPF `ip4:`, tunnel endpoint); optional for IPv6-only hosts. */
  ipv4Address?: pulumi.Input<string>;
  /**
   * A /64 that is routed to this host alone (a dedicated server's /64, your own hypervisor's). Leave unset
   * when the dedicated /64 comes from a tunnel.
   */
  ipv6Prefix?: pulumi.Input<string>;
  /** Where `ipv6Prefix` comes from; default `declared-dedicated` when `ipv6Prefix` is set. */
  prefixSource?: PrefixSource;
  /** Accept documentation prefixes (lab and test stacks only). */
  allowDocumentationPrefixes?: boolean;
  /** The host's OS, which decides the host scripts (default `debian`). */
  os?: HostOs;
}

/**
 * A host that already exists: a dedicated server, a VM on your own hypervisor, or the package's lab VM.
 * Nothing is created; the component carries the connection and addresses for the others.
 */
export class ExistingHost extends pulumi.ComponentResource implements MailHost {
  readonly hasIpv4: boolean;
  readonly prefixDerivation: string;

  readonly ipv4Address: pulumi.Output<string | undefined>;
  readonly ipv6Prefix: pulumi.Output<string | undefined>;
  readonly prefixSource: PrefixSource;
  readonly connection: types.input.remote.ConnectionArgs;

  constructor(name: string, args: ExistingHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    problems.addAll(checkExistingHostArgs(args, ""));
    problems.throwIfAny("ExistingHost", name);
    super(TYPE, name, {}, opts);
    this.ipv4Address = pulumi.output(args.ipv4Address);
    this.ipv6Prefix = pulumi.output(args.ipv6Prefix);
    this.prefixSource =
      args.prefixSource ?? (args.ipv6Prefix !== undefined ? "declared-dedicated" : "unknown");
    this.hasIpv4 = args.ipv4Address !== undefined;
    this.prefixDerivation =
      typeof args.ipv6Prefix === "string"
        ? "existing.ipv6Prefix"
        : "existing.ipv6Prefix (an output of another resource)";
    this.connection = commandConnection(args.ssh);
    this.registerOutputs({
      ipv4Address: this.ipv4Address,
      ipv6Prefix: this.ipv6Prefix,
      prefixSource: this.prefixSource,
    });
  }
}

/** Checks {@link ExistingHostArgs}; fields are prefixed with `fieldPrefix`. */
export function checkExistingHostArgs(args: ExistingHostArgs, fieldPrefix: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (args?.ssh?.host === undefined || args.ssh.host === "") {
    problems.push({
      field: `${fieldPrefix}ssh.host`,
      value: args?.ssh?.host,
      problem: "is required",
      fix: "give the address sshd listens on",
    });
  }
  if (args?.ssh?.privateKey === undefined || args.ssh.privateKey === "") {
    problems.push({
      field: `${fieldPrefix}ssh.privateKey`,
      value: "(secret)",
      problem: "is required",
      fix: "pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519",
    });
  }
  problems.push(...checkHostOs(args?.os, `${fieldPrefix}os`));
  const ipv4 = knownValue(args?.ipv4Address);
  if (ipv4 !== NOT_YET_KNOWN && ipv4 !== undefined && !isIpv4Address(ipv4)) {
    problems.push({
      field: `${fieldPrefix}ipv4Address`,
      value: ipv4,
      problem: "is not an IPv4 address",
      fix: "give the host's public IPv4 address, or leave it unset",
    });
  }
  const prefix = knownValue(args?.ipv6Prefix);
  if (prefix !== NOT_YET_KNOWN && prefix !== undefined) {
    problems.push(
      ...checkPublicIpv6Prefix(prefix, `${fieldPrefix}ipv6Prefix`, {
        requiredLength: 64,
        allowDocumentation: args.allowDocumentationPrefixes,
      }),
    );
  }
  if (args?.prefixSource !== undefined && !PREFIX_SOURCES.includes(args.prefixSource)) {
    problems.push({
      field: `${fieldPrefix}prefixSource`,
      value: args.prefixSource,
      problem: "is not a known prefix source",
      fix: `use one of ${PREFIX_SOURCES.join(", ")}`,
    });
  }
  return problems;
}
