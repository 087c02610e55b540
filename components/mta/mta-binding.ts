import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import {
  composeHostScript,
  dockerDaemonRestoreSection,
  dockerDaemonSection,
  eximRestoreSection,
  eximSection,
  hostPackagesSection,
  HostScriptSection,
  postfixRestoreSection,
  postfixSection,
  renderDockerMailserverEnv,
} from "../../host-config";
import { checkHostName } from "../hosts/host-args-check";
import { HostScriptCommands, registerHostScript } from "../transport/host-script-command";
import { checkMtaSettings, MtaKind, MtaSettings } from "./mta-settings";
import { checkPublicIpv6Address, ConfigProblems, isIpv4Address } from "../../net";
import { LateCheck } from "../late-check";

const TYPE = "ipv6-mail:index:MtaBinding";

/** Arguments of {@link MtaBinding}. */
export interface MtaBindingArgs extends MtaSettings {
  connection: types.input.remote.ConnectionArgs;
  /** The SMTP source address in the dedicated /64. */
  smtpAddress: pulumi.Input<string>;
  /** The PTR name of the SMTP address: Postfix `myhostname`, so HELO, PTR and AAAA agree. */
  hostName: string;
  /** The host's IPv4, when `bindIpv4` is set. */
  ipv4Address?: pulumi.Input<string>;
  allowDocumentationPrefixes?: boolean;
}

/** The host-config section that pins the MTA's source address. */
export function mtaSection(
  kind: MtaKind,
  smtpAddress: string,
  hostName: string,
  smtpIpv4?: string,
): HostScriptSection {
  switch (kind) {
    case "exim":
      return eximSection({ smtpAddress, smtpIpv4, hostName });
    case "docker-mailserver":
      return dockerDaemonSection();
    default:
      return postfixSection({ smtpAddress, hostName, smtpIpv4 });
  }
}

/**
 * The remove script's MTA section: the settings {@link mtaSection} changed get the values they had before
 * (recorded on the host by the apply).
 */
export function mtaRestoreSection(kind: MtaKind): HostScriptSection {
  switch (kind) {
    case "exim":
      return eximRestoreSection();
    case "docker-mailserver":
      return dockerDaemonRestoreSection();
    default:
      return postfixRestoreSection();
  }
}

/**
 * Pins the MTA's outbound source to the SMTP address. Postfix gets `smtp_bind_address6` with
 * `smtp_bind_address_enforce = yes` (mail is deferred rather than sent from another address when the tunnel
 * is down), `inet_protocols = all` and `myhostname` = the PTR name; Exim its `interface = <; …` list;
 * docker-mailserver a daemon with ip6tables, so the container sees real client addresses, and
 * `PERMIT_DOCKER=none` so the docker gateway is never trusted as a relay (an open relay otherwise).
 *
 * A host without the MTA gets it installed first (Postfix as an "Internet Site" under the host name, Debian's
 * exim4, or docker.io). On delete the settings get the values they had before the apply back (recorded on the
 * host); installed packages stay.
 */
export class MtaBinding extends pulumi.ComponentResource {
  readonly mta: MtaKind;
  readonly smtpAddress: pulumi.Output<string>;
  readonly hostName: string;
  readonly dockerIp6tables?: boolean;
  /** Networks the MTA trusts as relay clients beyond loopback; never the docker network. */
  readonly trustedNetworks: string[] = [];
  /** For docker-mailserver: environment settings to put in mailserver.env. */
  readonly dockerMailserverEnv?: Record<string, string>;
  readonly commands: HostScriptCommands;

  constructor(name: string, args: MtaBindingArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    problems.addAll(checkMtaSettings(args, ""));
    problems.addAll(checkHostName(args?.hostName, "hostName"));
    if (typeof args?.smtpAddress === "string") {
      problems.addAll(
        checkPublicIpv6Address(args.smtpAddress, "smtpAddress", {
          allowDocumentation: args.allowDocumentationPrefixes,
        }),
      );
    }
    if (args?.bindIpv4 && args.ipv4Address === undefined) {
      problems.add(
        "ipv4Address",
        undefined,
        "is needed when bindIpv4 is set",
        "give the host's IPv4 address, or remove bindIpv4",
      );
    }
    problems.throwIfAny("MtaBinding", name);
    super(TYPE, name, {}, opts);
    this.mta = args.kind ?? "postfix";
    this.hostName = args.hostName.toLowerCase();
    this.smtpAddress = pulumi.output(args.smtpAddress);
    if (this.mta === "docker-mailserver") {
      this.dockerIp6tables = true;
      this.dockerMailserverEnv = { ...renderDockerMailserverEnv() };
    }
    // Addresses given as outputs of other resources are checked once known, before the command exists.
    const addresses = pulumi.all([args.smtpAddress, args.bindIpv4 ? args.ipv4Address : undefined]);
    const late = new LateCheck(
      this,
      "MtaBinding",
      name,
      addresses.apply(([smtp, ipv4]) => [
        ...checkPublicIpv6Address(smtp, "smtpAddress", {
          allowDocumentation: args.allowDocumentationPrefixes,
        }),
        ...(ipv4 !== undefined && !isIpv4Address(ipv4)
          ? [
              {
                field: "ipv4Address",
                value: ipv4,
                problem: "is not an IPv4 address",
                fix: "give the host's IPv4 address, or remove bindIpv4",
              },
            ]
          : []),
      ]),
    );
    const apply = late.checked(addresses).apply(([smtp, ipv4]) => {
      const mta = mtaSection(this.mta, smtp, this.hostName, ipv4);
      const packages = hostPackagesSection([mta]);
      return composeHostScript(packages ? [packages, mta] : [mta], {
        title: `${this.mta} source address (apply)`,
      });
    });
    const remove = composeHostScript([mtaRestoreSection(this.mta)], {
      title: `${this.mta} source address (remove)`,
    });
    this.commands = registerHostScript(
      name,
      { connection: args.connection, apply, remove, dependsOn: late.gate },
      this,
    );
    this.registerOutputs({
      mta: this.mta,
      smtpAddress: this.smtpAddress,
      hostName: this.hostName,
      dockerIp6tables: this.dockerIp6tables,
      trustedNetworks: this.trustedNetworks,
    });
  }
}
