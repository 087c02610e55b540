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
  DOCKER_IPV6_SETTINGS,
  postfixSettings,
  PostfixSpec,
  renderDockerMailserverEnv,
} from "../../host-config";
import { FactValue, MAIL_FACTS_VERSION, MailFacts, MtaFacts } from "../../facts/mail-facts";
import { HostConfiguration, HostPartRenderer, HostSpecRenderer } from "../host-configuration";
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
 * The MTA's part of a mail host's configuration, for a host that sends over IPv6: {@link mtaSection} of the
 * SMTP address once known, undone by {@link mtaRestoreSection}.
 */
export function mtaPart(kind: MtaKind, hostName: string, bindIpv4: boolean): HostPartRenderer {
  return (known) =>
    known.smtp === undefined
      ? undefined
      : {
          apply: [mtaSection(kind, known.smtp, hostName, bindIpv4 ? known.ipv4 : undefined)],
          remove: mtaRestoreSection(kind),
        };
}

/**
 * Postfix's spec once the SMTP address is known, for a FreeBSD host (its binding is rendered from the spec);
 * undefined for another MTA, which MailServer refuses on FreeBSD before this.
 */
export function postfixSpecPart(
  kind: MtaKind,
  hostName: string,
  bindIpv4: boolean,
): HostSpecRenderer<PostfixSpec> {
  return (known) =>
    kind !== "postfix" || known.smtp === undefined
      ? undefined
      : { smtpAddress: known.smtp, smtpIpv4: bindIpv4 ? known.ipv4 : undefined, hostName };
}

/** Stands in for the SMTP address where the facts need only the settings' shape, not the address. */
const SHAPE_ADDRESS = "2001:db8::25";

/**
 * How {@link mtaSection} makes the MTA send: Postfix's settings as {@link postfixSettings} renders them
 * (`smtp_bind_address_enforce`, `smtp_helo_name`), Exim's strict `interface` list (a missing address defers the
 * delivery, never another source), docker-mailserver's daemon settings (no bind of its own).
 */
export function mtaFacts(kind: MtaKind, hostName: string, bind6: FactValue, bind4?: FactValue): MtaFacts {
  switch (kind) {
    case "exim":
      return { kind, bind6, bind4, bindEnforced: true, heloName: hostName };
    case "docker-mailserver":
      return {
        kind,
        bindEnforced: false,
        heloName: hostName,
        dockerIp6tables: DOCKER_IPV6_SETTINGS.ip6tables === true,
      };
    default: {
      const settings = new Map(postfixSettings({ smtpAddress: SHAPE_ADDRESS, hostName }));
      return {
        kind,
        bind6,
        bind4,
        bindEnforced: settings.get("smtp_bind_address_enforce") === "yes",
        heloName: settings.get("smtp_helo_name") ?? hostName,
      };
    }
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
  /** How the MTA sends ({@link MailFacts}: kind, bind addresses, enforcement, HELO), the `facts` output. */
  readonly facts: MailFacts;
  private readonly configuration?: HostConfiguration;
  private readonly ownCommands?: HostScriptCommands;

  /**
   * @param composedBy the host configuration of the MailServer this binding is a part of: it then hands its
   *   section to it instead of registering commands (the MailServer checked the same settings and addresses);
   *   `bind6`/`bind4` say what the addresses are in the MailServer's facts.
   */
  constructor(
    name: string,
    args: MtaBindingArgs,
    opts?: pulumi.ComponentResourceOptions,
    composedBy?: { configuration: HostConfiguration; bind6: FactValue; bind4?: FactValue },
  ) {
    // Composed by a MailServer, the settings and addresses were checked under its field names.
    if (!composedBy) {
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
    }
    super(TYPE, name, {}, opts);
    this.mta = args.kind ?? "postfix";
    this.hostName = args.hostName.toLowerCase();
    this.smtpAddress = pulumi.output(args.smtpAddress);
    if (this.mta === "docker-mailserver") {
      this.dockerIp6tables = true;
      this.dockerMailserverEnv = { ...renderDockerMailserverEnv() };
    }
    if (composedBy) {
      this.configuration = composedBy.configuration;
      composedBy.configuration.mta = mtaPart(this.mta, this.hostName, args.bindIpv4 ?? false);
      composedBy.configuration.postfixSpec = postfixSpecPart(this.mta, this.hostName, args.bindIpv4 ?? false);
      this.facts = {
        version: MAIL_FACTS_VERSION,
        component: "MtaBinding",
        partOf: "MailServer",
        mta: mtaFacts(this.mta, this.hostName, composedBy.bind6, composedBy.bind4),
      };
      this.registerOutputs({
        facts: this.facts,
        mta: this.mta,
        hostName: this.hostName,
        dockerIp6tables: this.dockerIp6tables,
        trustedNetworks: this.trustedNetworks,
      });
      return;
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
    this.ownCommands = registerHostScript(
      name,
      { connection: args.connection, apply, remove, dependsOn: late.gate },
      this,
    );
    const literal = typeof args.smtpAddress === "string";
    const bind6: FactValue = literal
      ? { value: args.smtpAddress as string, derivation: "smtpAddress" }
      : { ref: "smtpAddress", derivation: "smtpAddress (an output of another resource)" };
    const bind4: FactValue | undefined = !args.bindIpv4
      ? undefined
      : typeof args.ipv4Address === "string"
        ? { value: args.ipv4Address, derivation: "ipv4Address" }
        : { ref: "ipv4Address", derivation: "ipv4Address (an output of another resource)" };
    const values =
      literal && (bind4 === undefined || bind4.value !== undefined)
        ? undefined
        : pulumi
            .all([this.smtpAddress, args.bindIpv4 ? args.ipv4Address : undefined])
            .apply(([smtpAddress, ipv4Address]) => ({ smtpAddress, ipv4Address }));
    this.facts = {
      version: MAIL_FACTS_VERSION,
      component: "MtaBinding",
      mta: mtaFacts(this.mta, this.hostName, bind6, bind4),
    };
    this.registerOutputs({
      facts: values === undefined ? this.facts : { ...this.facts, values },
      mta: this.mta,
      smtpAddress: this.smtpAddress,
      hostName: this.hostName,
      dockerIp6tables: this.dockerIp6tables,
      trustedNetworks: this.trustedNetworks,
    });
  }

  /** The commands that bind the MTA: its own, or its MailServer's one host configuration. */
  get commands(): HostScriptCommands {
    return this.ownCommands ?? (this.configuration as HostConfiguration).commands;
  }
}
