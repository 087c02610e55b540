import { ipv6, ipv6PrefixOf, isIpv6, sixtyFourOf } from "./ip-text";
import { CloudFirewall, readCloudFirewall } from "./cloud-firewall";
import { DnsIndex } from "./dns-index";
import { HostFirewallScript, parseHostFirewallScript } from "./host-firewall-script";
import { HostScriptFacts, readHostScriptFacts } from "./host-script-facts";
import { read, readBoolean, readString, readStringList, ResourceView } from "./resource-view";
import { COMPUTE_TYPES, HOST_COMPONENT_TYPES, T } from "./type-tokens";
import { Maybe, UNKNOWN } from "./unknown";
import { ComponentFacts, mergeMailServerFacts, MailServerFacts, readComponentFacts } from "./component-facts";
import type { FirewallFacts } from "../../facts/mail-facts";

/** A `command:remote:Command` with what its `create` script configures. */
export interface HostCommand {
  readonly resource: ResourceView;
  /** `UNKNOWN` when the script is computed from values unknown at preview. */
  readonly script: Maybe<string>;
  readonly facts?: HostScriptFacts;
  readonly firewall?: HostFirewallScript;
  /** The host it runs on, when the stack shows it. */
  readonly host?: Host;
}

/** A 6in4 tunnel on a host, from an HeTunnel component, a MailServer output or a script. */
export interface HostTunnel {
  readonly urn: string;
  readonly interfaceName: Maybe<string>;
  readonly routedPrefix?: Maybe<string>;
  readonly linkClientAddress?: Maybe<string>;
  readonly smtpAddress?: Maybe<string>;
  /** HE lifted its tcp/25 filter (Sage certification); only components can say so. */
  readonly sageCertified?: Maybe<boolean>;
  readonly origin: string;
}

/** A host firewall on a machine: an nftables ruleset from a HostFirewall component or a script. */
export interface HostFirewall {
  readonly urn: string;
  readonly origin: string;
  /** Interfaces the component says it filters (the tunnel included); undefined for scripts. */
  readonly interfaces?: Maybe<string[]>;
  /** Parsed ruleset; `UNKNOWN` when the text is unknown at preview. */
  readonly script: HostFirewallScript | typeof UNKNOWN | undefined;
  /** What a HostFirewall component loads, from its facts (then nothing is parsed). */
  readonly facts?: FirewallFacts;
}

/** A machine: a droplet, an hcloud server, or an existing host, merged with the host component wrapping it. */
export interface Host {
  readonly key: string;
  /** The URN findings are reported against (the compute resource when there is one). */
  readonly urn: string;
  readonly name: string;
  readonly kind: "droplet" | "hcloud-server" | "existing";
  readonly compute?: ResourceView;
  readonly component?: ResourceView;
  mailServer?: MailServerInfo;
  readonly ipv6Enabled: Maybe<boolean>;
  readonly nativeIpv6Address: Maybe<string>;
  /** The /64 (or wider) the provider gives the host: hcloud `ipv6Network`, or the /64 around a droplet's address. */
  readonly nativeIpv6Prefix: Maybe<string>;
  readonly ipv4Address: Maybe<string>;
  /** The name the OS takes as its host name (droplet/server name). */
  readonly systemName: Maybe<string>;
  readonly tags: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly tunnels: HostTunnel[];
  readonly commands: HostCommand[];
  readonly hostFirewalls: HostFirewall[];
  readonly cloudFirewalls: CloudFirewall[];
  /** Attachments of firewalls the stack does not define (their rules cannot be checked). */
  readonly externalFirewalls: string[];
  readonly mtaBindings: ResourceView[];
  /** Scripts on this host that are unknown at preview. */
  readonly unknownScripts: string[];
}

/** A MailServer component with its outputs and the hosts under it. */
export interface MailServerInfo {
  readonly resource: ResourceView;
  readonly hosts: Host[];
  /** Its facts merged with its parts' (`ipv6-mail.facts/v1`); undefined for a MailServer without facts. */
  readonly facts?: MailServerFacts;
}

function tagsOf(r: ResourceView): string[] {
  const tags = readStringList(r.props, "tags");
  return Array.isArray(tags) ? tags : [];
}

function labelsOf(r: ResourceView): Record<string, string> {
  const labels = read(r.props, "labels");
  const out: Record<string, string> = {};
  if (labels && typeof labels === "object" && !Array.isArray(labels)) {
    for (const [k, v] of Object.entries(labels)) if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** Whether a label selector (`key=value`, `key`, `!key`, `key!=value`, comma = and) selects the labels. */
export function labelSelectorMatches(selector: string, labels: Readonly<Record<string, string>>): boolean {
  return selector
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .every((term) => {
      const ne = /^([^!=]+)!=(.*)$/.exec(term);
      if (ne) return labels[ne[1].trim()] !== ne[2].trim();
      const eq = /^([^=]+)==?(.*)$/.exec(term);
      if (eq) return labels[eq[1].trim()] === eq[2].trim();
      if (term.startsWith("!")) return !(term.slice(1) in labels);
      return term in labels;
    });
}

/**
 * The stack as the rules reason about it: hosts with their tunnels, scripts and firewalls, mail servers, DNS.
 * Everything is derived in passes that are linear in the number of resources and edges: lookups go through
 * maps keyed by URN, tag, label, address or prefix, never through pairwise loops over resources. Parts only
 * some rules need (DNS, senders, the prefix index) are built on first use.
 *
 * The model is a function of the stack alone (no rule's config goes into it), so the rules of a pack share one
 * (see `StackModelCache`); rules and the helpers they call only read it.
 */
export class StackModel {
  readonly byUrn = new Map<string, ResourceView>();
  readonly hosts: Host[] = [];
  readonly mailServers: MailServerInfo[] = [];
  /** Every remote command, on a known host or not. */
  readonly commands: HostCommand[] = [];
  readonly stackUrn?: string;
  /** Cloud firewalls whose attachment could not be resolved (unknown at preview, no dependency edges). */
  readonly unresolvedFirewalls: CloudFirewall[] = [];
  private readonly hostByIdentity = new Map<string, Host>();
  private readonly hostAncestorMemo = new Map<string, Host | null>();
  private readonly mailServerMemo = new Map<string, MailServerInfo | null>();
  private readonly mailServerByUrn = new Map<string, MailServerInfo>();
  private dnsIndex?: DnsIndex;
  /** Rulesets read from hand-written scripts and from HostFirewalls without facts, by URN (parsed once). */
  private readonly firewallScripts = new Map<string, HostFirewallScript>();
  /** The facts of this package's components, by URN (read once). */
  readonly facts = new Map<string, ComponentFacts>();

  constructor(readonly resources: readonly ResourceView[]) {
    for (const r of resources) {
      this.byUrn.set(r.urn, r);
      if (r.type === "pulumi:pulumi:Stack") (this as { stackUrn?: string }).stackUrn = r.urn;
    }
    const parts = new Map<string, ComponentFacts[]>();
    for (const r of resources) {
      const f = readComponentFacts(r, (urn) => this.byUrn.get(urn));
      if (!f) continue;
      this.facts.set(r.urn, f);
      if (f.scope !== r.urn) parts.set(f.scope, [...(parts.get(f.scope) ?? []), f]);
    }
    for (const r of resources) {
      if (r.type === T.mailServer) {
        const main = this.facts.get(r.urn);
        const info: MailServerInfo = {
          resource: r,
          hosts: [],
          facts: main ? mergeMailServerFacts(main, parts.get(r.urn) ?? []) : undefined,
        };
        this.mailServers.push(info);
        this.mailServerByUrn.set(r.urn, info);
      }
    }
    this.buildHosts();
    this.linkResources();
    this.addMailServerTunnels();
    this.freeze();
  }

  /**
   * Freezes what the constructor built (hosts, their lists, mail servers, commands): the model is shared by the
   * rules of a pack, so a rule that tried to change it would throw instead of changing what the next rule sees.
   * The lazily built indexes stay private; the resources' properties belong to the engine and are not touched.
   */
  private freeze(): void {
    for (const h of this.hosts) {
      for (const t of h.tunnels) Object.freeze(t);
      for (const f of h.hostFirewalls) Object.freeze(f);
      Object.freeze(h.tunnels);
      Object.freeze(h.commands);
      Object.freeze(h.hostFirewalls);
      Object.freeze(h.cloudFirewalls);
      Object.freeze(h.externalFirewalls);
      Object.freeze(h.mtaBindings);
      Object.freeze(h.unknownScripts);
      Object.freeze(h);
    }
    for (const ms of this.mailServers) {
      Object.freeze(ms.hosts);
      Object.freeze(ms);
    }
    for (const c of this.commands) Object.freeze(c);
    Object.freeze(this.hosts);
    Object.freeze(this.mailServers);
    Object.freeze(this.commands);
    Object.freeze(this.unresolvedFirewalls);
  }

  /** The nearest ancestor (or the resource itself) whose type is in `types`. */
  private nearest(urn: string | undefined, types: ReadonlySet<string>): ResourceView | undefined {
    let current = urn ? this.byUrn.get(urn) : undefined;
    let guard = 0;
    while (current && guard++ < 1000) {
      if (types.has(current.type)) return current;
      current = current.parent ? this.byUrn.get(current.parent) : undefined;
    }
    return undefined;
  }

  private buildHosts(): void {
    for (const r of this.resources) {
      if (!COMPUTE_TYPES.has(r.type)) continue;
      const component = r.parent ? this.nearest(r.parent, HOST_COMPONENT_TYPES) : undefined;
      const host = this.makeHost(
        r,
        component && !this.hostByIdentity.has(component.urn) ? component : undefined,
      );
      this.hostByIdentity.set(r.urn, host);
      if (host.component) this.hostByIdentity.set(host.component.urn, host);
    }
    for (const r of this.resources) {
      if (HOST_COMPONENT_TYPES.has(r.type) && !this.hostByIdentity.has(r.urn)) {
        this.hostByIdentity.set(r.urn, this.makeHost(undefined, r));
      }
    }
    for (const host of this.hosts) {
      const ms = this.mailServerOf(host.component?.urn ?? host.urn);
      if (ms) this.attachToMailServer(host, ms);
    }
  }

  private attachToMailServer(host: Host, ms: MailServerInfo): void {
    if (host.mailServer) return;
    host.mailServer = ms;
    ms.hosts.push(host);
  }

  private makeHost(compute: ResourceView | undefined, component: ResourceView | undefined): Host {
    const c = compute?.props;
    const k = component?.props;
    const pick = <V>(a: Maybe<V>, b: Maybe<V>): Maybe<V> =>
      a !== undefined && a !== UNKNOWN ? a : b !== undefined && b !== UNKNOWN ? b : (a ?? b);
    let kind: Host["kind"] = "existing";
    let ipv6Enabled: Maybe<boolean> = undefined;
    let nativeAddress: Maybe<string> = pick(
      compute ? readString(c, "ipv6Address") : undefined,
      readString(k, "ipv6Address"),
    );
    let nativePrefix: Maybe<string> = undefined;
    if (compute?.type === T.droplet || component?.type === T.digitalOceanHost) {
      kind = "droplet";
      ipv6Enabled = compute ? (readBoolean(c, "ipv6") ?? false) : true;
      nativePrefix =
        typeof nativeAddress === "string" && isIpv6(nativeAddress)
          ? sixtyFourOf(nativeAddress)
          : nativeAddress;
      const componentPrefix = readString(k, "ipv6Prefix");
      if (nativePrefix === undefined || nativePrefix === UNKNOWN)
        nativePrefix = pick(nativePrefix, componentPrefix);
    } else if (compute?.type === T.hcloudServer || component?.type === T.hetznerHost) {
      kind = "hcloud-server";
      const nets = compute ? read(c, "publicNets") : undefined;
      if (nets === UNKNOWN) ipv6Enabled = UNKNOWN;
      else if (Array.isArray(nets) && nets.length > 0) {
        const flags = nets.map((_, i) => readBoolean(c, "publicNets", i, "ipv6Enabled"));
        ipv6Enabled = flags.some((f) => f === undefined || f === true)
          ? true
          : flags.some((f) => f === UNKNOWN)
            ? UNKNOWN
            : false;
      } else ipv6Enabled = true;
      nativePrefix = pick(compute ? readString(c, "ipv6Network") : undefined, readString(k, "ipv6Prefix"));
    } else {
      const prefix = readString(k, "ipv6Prefix");
      nativePrefix = prefix;
      nativeAddress = pick(nativeAddress, undefined);
      ipv6Enabled = prefix === UNKNOWN ? UNKNOWN : prefix !== undefined || nativeAddress !== undefined;
    }
    const primary = (compute ?? component) as ResourceView;
    const host: Host = {
      key: primary.urn,
      urn: primary.urn,
      name: primary.name,
      kind,
      compute,
      component,
      ipv6Enabled,
      nativeIpv6Address: nativeAddress,
      nativeIpv6Prefix: nativePrefix,
      ipv4Address: pick(compute ? readString(c, "ipv4Address") : undefined, readString(k, "ipv4Address")),
      systemName: compute ? readString(c, "name") : undefined,
      tags: compute ? tagsOf(compute) : [],
      labels: compute ? labelsOf(compute) : {},
      tunnels: [],
      commands: [],
      hostFirewalls: [],
      cloudFirewalls: [],
      externalFirewalls: [],
      mtaBindings: [],
      unknownScripts: [],
    };
    this.hosts.push(host);
    return host;
  }

  /** The MailServer a resource lives under, if any. */
  mailServerOf(urn: string | undefined): MailServerInfo | undefined {
    if (!urn) return undefined;
    const memo = this.mailServerMemo.get(urn);
    if (memo !== undefined) return memo ?? undefined;
    const chain: string[] = [];
    let current = this.byUrn.get(urn);
    let found: MailServerInfo | undefined;
    while (current) {
      const cached = this.mailServerMemo.get(current.urn);
      if (cached !== undefined) {
        found = cached ?? undefined;
        break;
      }
      chain.push(current.urn);
      if (current.type === T.mailServer) {
        found = this.mailServerByUrn.get(current.urn);
        break;
      }
      current = current.parent ? this.byUrn.get(current.parent) : undefined;
    }
    for (const u of chain) this.mailServerMemo.set(u, found ?? null);
    return found;
  }

  /** The host a resource belongs to by ancestry (itself, a host component, a compute parent). */
  private hostAncestor(urn: string | undefined): Host | undefined {
    if (!urn) return undefined;
    const memo = this.hostAncestorMemo.get(urn);
    if (memo !== undefined) return memo ?? undefined;
    const chain: string[] = [];
    let current = this.byUrn.get(urn);
    let found: Host | undefined;
    while (current) {
      const cached = this.hostAncestorMemo.get(current.urn);
      if (cached !== undefined) {
        found = cached ?? undefined;
        break;
      }
      chain.push(current.urn);
      const host = this.hostByIdentity.get(current.urn);
      if (host) {
        found = host;
        break;
      }
      current = current.parent ? this.byUrn.get(current.parent) : undefined;
    }
    for (const u of chain) this.hostAncestorMemo.set(u, found ?? null);
    return found;
  }

  private hostsOfUrns(urns: readonly string[] | undefined): Host[] {
    const out = new Set<Host>();
    for (const u of urns ?? []) {
      const h = this.hostAncestor(u);
      if (h) out.add(h);
    }
    return [...out];
  }

  /**
   * The host a resource acts on: by ancestry, by the single host of its MailServer, by the `connection`
   * dependencies of a remote command, by the address it connects to, or by its dependencies.
   */
  hostFor(r: ResourceView): Host | undefined {
    const byAncestry = this.hostAncestor(r.urn);
    if (byAncestry) return byAncestry;
    const ms = this.mailServerOf(r.urn);
    if (ms && ms.hosts.length === 1) return ms.hosts[0];
    const byConnection = this.hostsOfUrns(r.propertyDependencies["connection"]);
    if (byConnection.length === 1) return byConnection[0];
    const address = readString(r.props, "connection", "host");
    if (typeof address === "string") {
      const byAddress = this.hostByAddress().get(
        address
          .trim()
          .replace(/^\[|\]$/g, "")
          .toLowerCase(),
      );
      if (byAddress) return byAddress;
    }
    const byDeps = this.hostsOfUrns(r.dependencies);
    return byDeps.length === 1 ? byDeps[0] : undefined;
  }

  private addressMap?: Map<string, Host>;
  private hostByAddress(): Map<string, Host> {
    if (!this.addressMap) {
      this.addressMap = new Map();
      for (const h of this.hosts) {
        for (const a of [h.ipv4Address, h.nativeIpv6Address]) {
          if (typeof a === "string") this.addressMap.set(isIpv6(a) ? ipv6(a) : a, h);
        }
      }
    }
    return this.addressMap;
  }

  private linkResources(): void {
    const dropletsByTag = new Map<string, Host[]>();
    for (const h of this.hosts) {
      if (h.kind !== "droplet") continue;
      for (const tag of h.tags) {
        const list = dropletsByTag.get(tag);
        if (list) list.push(h);
        else dropletsByTag.set(tag, [h]);
      }
    }
    // Label selectors are answered through an index of `key=value` and `key`, never by scanning every server.
    const byLabel = new Map<string, Host[]>();
    const hcloudHosts: Host[] = [];
    for (const h of this.hosts) {
      if (h.kind !== "hcloud-server" || !h.compute) continue;
      hcloudHosts.push(h);
      for (const [k, v] of Object.entries(h.labels)) {
        for (const key of [`${k}=${v}`, k]) {
          const list = byLabel.get(key);
          if (list) list.push(h);
          else byLabel.set(key, [h]);
        }
      }
    }
    const selectorMemo = new Map<string, Host[]>();
    const labelSelected = (selector: string): Host[] => {
      const cached = selectorMemo.get(selector);
      if (cached) return cached;
      const positive = selector
        .split(",")
        .map((t) => t.trim().replace("==", "="))
        .find((t) => t !== "" && !t.startsWith("!") && !t.includes("!="));
      const candidates = positive === undefined ? hcloudHosts : (byLabel.get(positive) ?? []);
      const selected = candidates.filter((h) => labelSelectorMatches(selector, h.labels));
      selectorMemo.set(selector, selected);
      return selected;
    };
    const firewallByUrn = new Map<string, CloudFirewall>();
    const attach = (fw: CloudFirewall, hosts: Host[]) => {
      for (const h of hosts) if (!h.cloudFirewalls.includes(fw)) h.cloudFirewalls.push(fw);
    };

    for (const r of this.resources) {
      switch (r.type) {
        case T.heTunnel: {
          const host = this.hostFor(r);
          const described = this.facts.get(r.urn)?.facts.tunnel;
          if (described) {
            if (host)
              host.tunnels.push({
                urn: r.urn,
                interfaceName: described.interfaceName,
                routedPrefix: described.routedPrefix,
                linkClientAddress: described.linkClientAddress,
                sageCertified: described.sageCertified,
                origin: "HeTunnel component",
              });
            break;
          }
          const tunnel: HostTunnel = {
            urn: r.urn,
            interfaceName: readString(r.props, "interfaceName"),
            routedPrefix: readString(r.props, "routedPrefix"),
            linkClientAddress: readString(r.props, "linkClientAddress"),
            smtpAddress: readString(r.props, "smtpAddress"),
            sageCertified: readBoolean(r.props, "sageCertified"),
            origin: "HeTunnel component",
          };
          if (host) host.tunnels.push(tunnel);
          break;
        }
        case T.hostFirewall: {
          const host = this.hostFor(r);
          const described = this.facts.get(r.urn)?.facts.firewall;
          if (described) {
            if (host)
              host.hostFirewalls.push({
                urn: r.urn,
                origin: "HostFirewall component",
                interfaces: [...described.ipv6Input.interfaces],
                script: undefined,
                facts: described,
              });
            break;
          }
          const ruleset = readString(r.props, "ruleset");
          if (typeof ruleset === "string") this.firewallScripts.set(r.urn, parseHostFirewallScript(ruleset));
          const fw: HostFirewall = {
            urn: r.urn,
            origin: "HostFirewall component",
            interfaces: readStringList(r.props, "interfaces"),
            script: ruleset === UNKNOWN ? UNKNOWN : this.firewallScripts.get(r.urn),
          };
          if (host) host.hostFirewalls.push(fw);
          break;
        }
        case T.mtaBinding: {
          const host = this.hostFor(r);
          if (host) host.mtaBindings.push(r);
          break;
        }
        case T.remoteCommand: {
          const host = this.hostFor(r);
          const script = readString(r.props, "create");
          if (this.describedByFacts(r)) {
            // A MailServer's own host script: its parts' facts say what it configures; it is not parsed.
            const entry: HostCommand = { resource: r, script, host };
            this.commands.push(entry);
            if (host) host.commands.push(entry);
            break;
          }
          if (script === UNKNOWN) {
            const entry: HostCommand = { resource: r, script, host };
            this.commands.push(entry);
            if (host) {
              host.unknownScripts.push(r.urn);
              host.commands.push(entry);
            }
            break;
          }
          if (typeof script !== "string") break;
          const facts = readHostScriptFacts(script);
          const firewall = parseHostFirewallScript(script);
          if (firewall.present) this.firewallScripts.set(r.urn, firewall);
          const entry: HostCommand = {
            resource: r,
            script,
            facts,
            firewall: firewall.present ? firewall : undefined,
            host,
          };
          this.commands.push(entry);
          if (!host) break;
          host.commands.push(entry);
          for (const t of facts.tunnels) {
            host.tunnels.push({
              urn: r.urn,
              interfaceName: t.interfaceName,
              origin: "script (ip tunnel … mode sit)",
            });
          }
          if (firewall.present) host.hostFirewalls.push({ urn: r.urn, origin: "script", script: firewall });
          if (!host.mailServer) {
            const ms = this.mailServerOf(r.urn);
            if (ms) this.attachToMailServer(host, ms);
          }
          break;
        }
        case T.doFirewall: {
          const fw = readCloudFirewall(r) as CloudFirewall;
          firewallByUrn.set(r.urn, fw);
          const ids = read(r.props, "dropletIds");
          const byDeps = this.hostsOfUrns(r.propertyDependencies["dropletIds"]);
          let resolved = byDeps.length > 0;
          attach(fw, byDeps);
          const tags = readStringList(r.props, "tags");
          if (Array.isArray(tags)) {
            for (const tag of tags) attach(fw, dropletsByTag.get(tag) ?? []);
            if (tags.length > 0) resolved = true;
          }
          if (!resolved && (ids === UNKNOWN || tags === UNKNOWN)) {
            const byAnyDep = this.hostsOfUrns(r.dependencies);
            if (byAnyDep.length > 0) attach(fw, byAnyDep);
            else this.unresolvedFirewalls.push(fw);
          }
          break;
        }
        case T.hcloudFirewall: {
          const fw = readCloudFirewall(r) as CloudFirewall;
          firewallByUrn.set(r.urn, fw);
          attach(fw, this.hostsOfUrns(r.propertyDependencies["applyTos"]));
          const applyTos = read(r.props, "applyTos");
          if (applyTos === UNKNOWN) this.unresolvedFirewalls.push(fw);
          else if (Array.isArray(applyTos)) {
            for (let i = 0; i < applyTos.length; i++) {
              const selector = readString(r.props, "applyTos", i, "labelSelector");
              if (typeof selector === "string") attach(fw, labelSelected(selector));
            }
          }
          break;
        }
        default:
          break;
      }
    }
    // Attachments that point at firewalls: hcloud servers' firewallIds and FirewallAttachment resources.
    for (const r of this.resources) {
      if (r.type === T.hcloudServer) {
        const host = this.hostByIdentity.get(r.urn);
        for (const fwUrn of r.propertyDependencies["firewallIds"] ?? []) {
          const fw = firewallByUrn.get(fwUrn);
          if (fw && host) attach(fw, [host]);
        }
      } else if (r.type === T.hcloudFirewallAttachment) {
        const fws = (r.propertyDependencies["firewallId"] ?? [])
          .map((u) => firewallByUrn.get(u))
          .filter((f): f is CloudFirewall => f !== undefined);
        const targets = this.hostsOfUrns(r.propertyDependencies["serverIds"]);
        const selectors = readStringList(r.props, "labelSelectors");
        if (Array.isArray(selectors)) for (const s of selectors) targets.push(...labelSelected(s));
        for (const fw of fws) attach(fw, targets);
        if (fws.length === 0) {
          // The attachment names a firewall the stack does not define: its rules cannot be read.
          for (const h of targets) h.externalFirewalls.push(`attachment "${r.name}"`);
        } else if (
          targets.length === 0 &&
          (read(r.props, "serverIds") === UNKNOWN || selectors === UNKNOWN)
        ) {
          this.unresolvedFirewalls.push(...fws);
        }
      }
    }
  }

  /**
   * Whether a resource is a host script of this package's components whose facts describe what it configures
   * (a MailServer's, or a standalone HeTunnel's, HostFirewall's or MtaBinding's own): it is not parsed.
   */
  describedByFacts(r: ResourceView): boolean {
    if (r.type !== T.remoteCommand) return false;
    return (
      (r.parent !== undefined && this.facts.has(r.parent)) || this.mailServerOf(r.urn)?.facts !== undefined
    );
  }

  /**
   * The host firewall a resource's script or ruleset defines, as the model parsed it (a hand-written
   * `command:remote:Command`, or a HostFirewall without facts); undefined when it defines none.
   */
  firewallScript(urn: string): HostFirewallScript | undefined {
    const script = this.firewallScripts.get(urn);
    return script?.present ? script : undefined;
  }

  /** Tunnels a MailServer reports (`tunnelInterface`) that no HeTunnel component or script showed. */
  private addMailServerTunnels(): void {
    for (const ms of this.mailServers) {
      const iface = readString(ms.resource.props, "tunnelInterface");
      if (iface === undefined || ms.hosts.length !== 1) continue;
      const host = ms.hosts[0];
      if (
        host.tunnels.some(
          (t) => t.interfaceName === iface || (iface === UNKNOWN && t.interfaceName === UNKNOWN),
        )
      )
        continue;
      host.tunnels.push({
        urn: ms.resource.urn,
        interfaceName: iface,
        origin: `MailServer "${ms.resource.name}" tunnelInterface`,
      });
    }
  }

  /** Every tunnel interface name the stack shows (components, MailServer outputs, scripts). */
  tunnelNames(): Set<string> {
    const names = new Set<string>();
    for (const h of this.hosts)
      for (const t of h.tunnels) if (typeof t.interfaceName === "string") names.add(t.interfaceName);
    for (const c of this.commands) for (const t of c.facts?.tunnels ?? []) names.add(t.interfaceName);
    for (const r of this.resources) {
      const name =
        r.type === T.heTunnel
          ? readString(r.props, "interfaceName")
          : r.type === T.mailServer
            ? readString(r.props, "tunnelInterface")
            : undefined;
      if (typeof name === "string") names.add(name);
    }
    return names;
  }

  /** The stack's DNS records, indexed (built on first use). */
  get dns(): DnsIndex {
    if (!this.dnsIndex) this.dnsIndex = new DnsIndex(this.resources, this.byUrn, this.facts);
    return this.dnsIndex;
  }

  /** A readable label for a resource in messages: `type name`. */
  label(urn: string): string {
    const r = this.byUrn.get(urn);
    return r ? `${r.type.split(":").pop()} "${r.name}"` : urn;
  }
}

/** Whether a value is a parseable IPv6 prefix or address of the given text (for messages). */
export function describePrefix(text: Maybe<string>): string {
  if (text === UNKNOWN) return "(unknown at preview)";
  if (text === undefined) return "(none)";
  return ipv6PrefixOf(text)?.text ?? text;
}
