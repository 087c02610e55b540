import { cidrOf, ipv6PrefixOf, isIpv6, sixtyFourOf, spf } from "./ip-text";
import { heLinkPrefixOf, PREFIX_SOURCES, PrefixSource, spfTermNetwork } from "../../net";
import { isFqdn, normalizeDnsName } from "./dns-name";
import { PrefixIndex } from "./prefix-index";
import { readBoolean, readString, ResourceView } from "./resource-view";
import { Host, MailServerInfo, StackModel } from "./stack-model";
import { T } from "./type-tokens";
import { describeMaybe, Maybe, UNKNOWN } from "./unknown";

/** One address a sender's MTA sends SMTP from, with where the pack learned it. */
export interface SmtpSource {
  readonly address: Maybe<string>;
  readonly origin: string;
  readonly urn: string;
  /** Nothing pins the source; this is what the kernel picks (RFC 6724). */
  readonly implicit: boolean;
  /** Ownership known from the stack's structure even while the address is unknown at preview. */
  readonly structural?: PrefixSource;
}

/** A host (or MailServer) that sends SMTP, with the signals that say so. */
export interface Sender {
  readonly urn: string;
  readonly name: string;
  readonly host?: Host;
  readonly mailServer?: MailServerInfo;
  readonly signals: string[];
  readonly sources: SmtpSource[];
  /** The name the MTA announces in HELO, and where it comes from. */
  heloName: Maybe<string>;
  heloOrigin: string;
  /** An explicit bind address pins the source (component, Postfix `smtp_bind_address6`, Exim `interface`). */
  pinned: boolean;
  /** Postfix scripts that bind without `smtp_bind_address_enforce = yes`. */
  readonly unenforcedBinds: string[];
  /** Exim `interface =` lines that list IPv6 without `<;`. */
  readonly eximWithoutSeparator: string[];
}

const SENDER_TOKEN = /(^|[-_:./=])(smtp|mail)([-_:./=]|$)/i;

function isPrefixSource(value: unknown): value is PrefixSource {
  return typeof value === "string" && (PREFIX_SOURCES as readonly string[]).includes(value);
}

function hostTagSignals(host: Host): string[] {
  const out: string[] = [];
  for (const tag of host.tags) if (SENDER_TOKEN.test(tag)) out.push(`tag "${tag}"`);
  for (const [k, v] of Object.entries(host.labels)) {
    if (SENDER_TOKEN.test(k) || SENDER_TOKEN.test(v)) out.push(`label "${k}=${v}"`);
  }
  return out;
}

/**
 * CIDRs grouped by prefix length and keyed by network number, so "which of these CIDRs contains this
 * address" costs one map lookup per distinct length: SPF terms are indexed once, each host looked up once.
 */
class CidrSet {
  private readonly byLength = new Map<number, Map<bigint, string>>();
  constructor(private readonly bits: number) {}
  add(first: bigint, length: number, label: string): void {
    let map = this.byLength.get(length);
    if (!map) this.byLength.set(length, (map = new Map()));
    const key = first >> BigInt(this.bits - length);
    if (!map.has(key)) map.set(key, label);
  }
  find(value: bigint): string | undefined {
    for (const [length, map] of this.byLength) {
      const hit = map.get(value >> BigInt(this.bits - length));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

/**
 * Hosts whose own address an SPF record in the stack lists (`ip4:`/`ip6:` terms with `+`, networks read as
 * RFC 7208 reads them): a sign that the stack means the host to send mail, whether or not the record is valid
 * (`spf-authorizes-sender` judges that).
 */
function spfAuthorizedHosts(model: StackModel): Map<Host, string[]> {
  const sets = { 4: new CidrSet(32), 6: new CidrSet(128) };
  let any = false;
  for (const record of model.dns.records) {
    if (record.type !== "TXT" || typeof record.content !== "string" || !/^v=spf1(\s|$)/i.test(record.content))
      continue;
    for (const term of spf(record.content).terms) {
      const network = term.qualifier === "+" ? spfTermNetwork(term) : undefined;
      if (!network) continue;
      sets[network.family].add(
        network.first,
        network.length,
        `SPF record ${String(record.name)} authorizes its address (${term.text})`,
      );
      any = true;
    }
  }
  const out = new Map<Host, string[]>();
  if (!any) return out;
  for (const host of model.hosts) {
    for (const address of [host.nativeIpv6Address, host.ipv4Address]) {
      if (typeof address !== "string") continue;
      const cidr = cidrOf(address);
      const hit = cidr ? sets[cidr.family].find(cidr.prefix.first) : undefined;
      if (hit) out.set(host, [...(out.get(host) ?? []), hit]);
    }
  }
  return out;
}

function implicitSources(host: Host): SmtpSource[] {
  const tunnel = host.tunnels[0];
  if (tunnel) {
    return [
      {
        address: tunnel.linkClientAddress ?? UNKNOWN,
        origin: `no bind address on a tunnel host: the kernel sends from the tunnel ${describeMaybe(tunnel.interfaceName)}'s link address ::2 (RFC 6724 rule 5)`,
        urn: tunnel.urn,
        implicit: true,
        structural: "he-link-64",
      },
    ];
  }
  if (host.ipv6Enabled === false) return [];
  const structural: PrefixSource | undefined =
    host.kind === "droplet"
      ? "digitalocean-native"
      : host.kind === "hcloud-server"
        ? "hetzner-server-64"
        : undefined;
  const sources: SmtpSource[] = [
    {
      address:
        host.nativeIpv6Address ??
        (host.ipv6Enabled === true && host.kind !== "existing" ? UNKNOWN : undefined),
      origin: "no bind address: the MTA sends from the host's own IPv6 address",
      urn: host.urn,
      implicit: true,
      structural,
    },
  ];
  return sources.filter((s) => s.address !== undefined);
}

function structuralFromDeps(
  model: StackModel,
  urns: readonly string[] | undefined,
): PrefixSource | undefined {
  const kinds = new Set<PrefixSource | "other">();
  for (const u of urns ?? []) {
    const r = model.byUrn.get(u);
    if (!r) continue;
    if (r.type === T.hcloudServer || r.type === T.hetznerHost) kinds.add("hetzner-server-64");
    else if (r.type === T.droplet || r.type === T.digitalOceanHost) kinds.add("digitalocean-native");
    else kinds.add("other");
  }
  return kinds.size === 1 && !kinds.has("other") ? ([...kinds][0] as PrefixSource) : undefined;
}

function addHostEvidence(model: StackModel, sender: Sender, host: Host, explicitOnly: boolean): void {
  for (const binding of host.mtaBindings) {
    sender.signals.push(`MtaBinding "${binding.name}"`);
    sender.pinned = true;
    sender.sources.push({
      address: readString(binding.props, "smtpAddress"),
      origin: `MtaBinding "${binding.name}"`,
      urn: binding.urn,
      implicit: false,
    });
    const helo = readString(binding.props, "hostName");
    if (helo !== undefined && sender.heloName === undefined) {
      sender.heloName = typeof helo === "string" ? normalizeDnsName(helo) : helo;
      sender.heloOrigin = `MtaBinding "${binding.name}" hostName`;
    }
  }
  for (const command of host.commands) {
    const facts = command.facts;
    if (!facts) continue;
    for (const address of facts.bindAddresses6) {
      sender.signals.push(`command "${command.resource.name}" binds the MTA to ${address}`);
      sender.pinned = true;
      sender.sources.push({
        address,
        origin: `command "${command.resource.name}" (MTA bind address)`,
        urn: command.resource.urn,
        implicit: false,
      });
    }
    if (facts.bindAddresses6.length > 0 && facts.postfix && !facts.bindEnforced)
      sender.unenforcedBinds.push(command.resource.name);
    sender.eximWithoutSeparator.push(
      ...facts.eximInterfaceWithoutSeparator.map(
        (l) => `command "${command.resource.name}": interface = ${l}`,
      ),
    );
    if (facts.dockerMailserver)
      sender.signals.push(`command "${command.resource.name}" runs docker-mailserver`);
    if (
      facts.heloName &&
      (sender.heloName === undefined ||
        sender.heloOrigin.startsWith("droplet") ||
        sender.heloOrigin.startsWith("server"))
    ) {
      if (!sender.mailServer) {
        sender.heloName = facts.heloName;
        sender.heloOrigin = `command "${command.resource.name}" (MTA host name)`;
      }
    }
  }
  if (explicitOnly) return;
  if (
    sender.sources.length === 0 &&
    host.unknownScripts.length > 0 &&
    (host.mtaBindings.length > 0 || sender.signals.length > 0)
  ) {
    for (const urn of host.unknownScripts) {
      const r = model.byUrn.get(urn) as ResourceView;
      sender.sources.push({
        address: UNKNOWN,
        origin: `command "${r.name}" (script unknown at preview)`,
        urn,
        implicit: false,
        structural: structuralFromDeps(model, r.propertyDependencies["create"]),
      });
    }
  }
  if (sender.sources.length === 0) sender.sources.push(...implicitSources(host));
  if (sender.heloName === undefined && typeof host.systemName === "string" && isFqdn(host.systemName)) {
    sender.heloName = normalizeDnsName(host.systemName);
    sender.heloOrigin = `${host.kind === "droplet" ? "droplet" : "server"} name (the OS host name, which the MTA uses by default)`;
  }
}

/** The senders of each model, found once: several rules ask, and the model is shared between them. */
const sendersOfModel = new WeakMap<StackModel, readonly Sender[]>();

/**
 * Finds every host that sends SMTP. Signals: this package's MailServer and MtaBinding components; an SPF record
 * in the stack authorizing the host's own address; a remote command that configures an MTA bind address (or
 * runs docker-mailserver); an `smtp`/`mail` tag (DigitalOcean) or label (Hetzner).
 *
 * Computed once per model and shared by the rules that ask, so the result is frozen: a rule that tried to
 * change a sender would throw instead of changing what the next rule sees.
 */
export function findSenders(model: StackModel): readonly Sender[] {
  let senders = sendersOfModel.get(model);
  if (!senders) {
    senders = Object.freeze(findSendersNow(model).map(freezeSender));
    sendersOfModel.set(model, senders);
  }
  return senders;
}

function freezeSender(sender: Sender): Sender {
  for (const source of sender.sources) Object.freeze(source);
  Object.freeze(sender.sources);
  Object.freeze(sender.signals);
  Object.freeze(sender.unenforcedBinds);
  Object.freeze(sender.eximWithoutSeparator);
  return Object.freeze(sender);
}

function findSendersNow(model: StackModel): Sender[] {
  const senders: Sender[] = [];
  const spfHosts = spfAuthorizedHosts(model);
  const covered = new Set<Host>();
  for (const ms of model.mailServers) {
    const r = ms.resource;
    const host = ms.hosts.length === 1 ? ms.hosts[0] : undefined;
    const source = readString(r.props, "prefixSource");
    const hostName = readString(r.props, "hostName");
    // A MailServer that says it sends over IPv4 only has no IPv6 source of its own (an unknown flag counts as
    // IPv6: fail closed); evidence from the host's own scripts is still read below.
    const ipv4Only = mailServerFlag(ms, "smtpOverIpv4Only") === true;
    const sender: Sender = {
      urn: r.urn,
      name: r.name,
      host,
      mailServer: ms,
      signals: ["MailServer component"],
      sources: ipv4Only
        ? []
        : [
            {
              address: readString(r.props, "smtpAddress"),
              origin: `MailServer "${r.name}" smtpAddress`,
              urn: r.urn,
              implicit: false,
              structural: isPrefixSource(source) ? source : undefined,
            },
          ],
      heloName: typeof hostName === "string" ? normalizeDnsName(hostName) : hostName,
      heloOrigin: `MailServer "${r.name}" hostName`,
      pinned: true,
      unenforcedBinds: [],
      eximWithoutSeparator: [],
    };
    for (const h of ms.hosts) {
      covered.add(h);
      addHostEvidence(model, sender, h, true);
    }
    senders.push(sender);
  }
  for (const host of model.hosts) {
    if (covered.has(host)) continue;
    const sender: Sender = {
      urn: host.urn,
      name: host.name,
      host,
      signals: [...hostTagSignals(host), ...(spfHosts.get(host) ?? [])],
      sources: [],
      heloName: undefined,
      heloOrigin: "",
      pinned: false,
      unenforcedBinds: [],
      eximWithoutSeparator: [],
    };
    addHostEvidence(model, sender, host, false);
    if (sender.signals.length === 0) continue;
    dedupe(sender);
    senders.push(sender);
  }
  for (const r of model.resources) {
    if (r.type !== T.mtaBinding || model.hostFor(r) || model.mailServerOf(r.urn)) continue;
    const helo = readString(r.props, "hostName");
    senders.push({
      urn: r.urn,
      name: r.name,
      signals: [`MtaBinding "${r.name}"`],
      sources: [
        {
          address: readString(r.props, "smtpAddress"),
          origin: `MtaBinding "${r.name}"`,
          urn: r.urn,
          implicit: false,
        },
      ],
      heloName: typeof helo === "string" ? normalizeDnsName(helo) : helo,
      heloOrigin: `MtaBinding "${r.name}" hostName`,
      pinned: true,
      unenforcedBinds: [],
      eximWithoutSeparator: [],
    });
  }
  return senders;
}

function dedupe(sender: Sender): void {
  const seen = new Set<string>();
  const sources = sender.sources.filter((s) => {
    const key = `${typeof s.address === "string" ? s.address : "?"}|${s.origin}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  sender.sources.splice(0, sender.sources.length, ...sources);
  const signals = [...new Set(sender.signals)];
  sender.signals.splice(0, sender.signals.length, ...signals);
}

/**
 * Every ownership statement the stack makes about IPv6 prefixes: a droplet's native /64 (shared), an hcloud
 * server's /64 (dedicated), a tunnel's routed prefix (dedicated) and link /64 (not for mail), a MailServer's
 * declared source, and the prefixes a rule's config declares dedicated (`declared`; the model itself holds no
 * config, so rules with different config share it).
 */
export function buildPrefixIndex(model: StackModel, declared: readonly string[] = []): PrefixIndex {
  const index = new PrefixIndex();
  for (const host of model.hosts) {
    const p = host.nativeIpv6Prefix;
    if (typeof p !== "string") continue;
    if (host.kind === "droplet") {
      const prefix = ipv6PrefixOf(p);
      const sixtyFour = prefix && prefix.length > 64 ? sixtyFourOf(prefix.address) : p;
      index.add(sixtyFour, "digitalocean-native", `droplet "${host.name}" native IPv6`, host.urn);
    } else if (host.kind === "hcloud-server") {
      index.add(p, "hetzner-server-64", `hcloud server "${host.name}" ipv6Network`, host.urn);
    }
  }
  for (const host of model.hosts) {
    for (const t of host.tunnels) {
      if (typeof t.routedPrefix === "string") {
        const prefix = ipv6PrefixOf(t.routedPrefix);
        index.add(
          t.routedPrefix,
          prefix && prefix.length < 64 ? "he-routed-48" : "he-routed-64",
          `tunnel routed prefix (${t.origin})`,
          t.urn,
        );
      }
      if (typeof t.linkClientAddress === "string" && isIpv6(t.linkClientAddress)) {
        index.add(heLinkPrefixOf(t.linkClientAddress), "he-link-64", `tunnel link /64 (${t.origin})`, t.urn);
      }
    }
    for (const c of host.commands) {
      for (const tunnel of c.facts?.tunnels ?? []) {
        for (const m of (c.script as string).matchAll(
          /\bip\s+(?:-6\s+)?addr(?:ess)?\s+add\s+([0-9a-fA-F:]+)\/(\d+)\s+dev\s+([^\s'";]+)/g,
        )) {
          if (m[3] === tunnel.interfaceName && isIpv6(m[1])) {
            index.add(
              heLinkPrefixOf(m[1]),
              "he-link-64",
              `tunnel ${tunnel.interfaceName} link address in command "${c.resource.name}"`,
              c.resource.urn,
            );
          }
        }
      }
    }
  }
  for (const r of model.resources) {
    if (r.type !== T.heTunnel || model.hostFor(r)) continue;
    const routed = readString(r.props, "routedPrefix");
    const link = readString(r.props, "linkClientAddress");
    if (typeof routed === "string")
      index.add(
        routed,
        (ipv6PrefixOf(routed)?.length ?? 64) < 64 ? "he-routed-48" : "he-routed-64",
        `HeTunnel "${r.name}" routed prefix`,
        r.urn,
      );
    if (typeof link === "string" && isIpv6(link))
      index.add(heLinkPrefixOf(link), "he-link-64", `HeTunnel "${r.name}" link /64`, r.urn);
  }
  for (const ms of model.mailServers) {
    const prefix = readString(ms.resource.props, "dedicatedPrefix");
    const source = readString(ms.resource.props, "prefixSource");
    if (typeof prefix === "string" && isPrefixSource(source))
      index.add(prefix, source, `MailServer "${ms.resource.name}" dedicatedPrefix`, ms.resource.urn);
  }
  for (const p of declared)
    index.add(p, "declared-dedicated", "declared in the policy config (dedicatedPrefixes)");
  return index;
}

/** Whether the host's MailServer or HeTunnel says HE lifted the tcp/25 filter. */
export function sageCertified(host: Host | undefined): Maybe<boolean> {
  const flags = (host?.tunnels ?? []).map((t) => t.sageCertified).filter((f) => f !== undefined);
  const declared = mailServerFlag(host?.mailServer, "sageCertified");
  if (declared !== undefined) flags.push(declared);
  if (flags.includes(true)) return true;
  if (flags.includes(UNKNOWN)) return UNKNOWN;
  return flags.length > 0 ? false : undefined;
}

/** The MailServer's boolean output, e.g. `hostFirewall`. */
export function mailServerFlag(ms: MailServerInfo | undefined, key: string): Maybe<boolean> {
  return ms ? readBoolean(ms.resource.props, key) : undefined;
}
