import { ipv6, isIpv6, ptrName } from "./ip-text";
import { isFqdn, joinTxt, normalizeDnsName } from "./dns-name";
import { read, readBoolean, readString, ResourceView } from "./resource-view";
import { T } from "./type-tokens";
import { Maybe, UNKNOWN } from "./unknown";
import { ComponentFacts, resolveFact } from "./component-facts";

/** One SPF term of a record a component's facts describe: literal text, or a value known by its symbol. */
export interface SpfTermView {
  readonly text?: string;
  readonly mechanism: string;
  readonly qualifier: string;
  readonly value?: Maybe<string>;
  readonly symbol?: string;
}

/** One DNS record the stack publishes (or a provider publishes on its behalf, like an automatic PTR). */
export interface DnsRecordView {
  readonly type: string;
  /** Fully qualified when the zone is known; otherwise as written (relative names are matched by prefix). */
  readonly name: Maybe<string>;
  readonly nameIsRelative: boolean;
  /** Canonical address for A/AAAA, joined text for TXT, normalized name for PTR/CNAME/MX. */
  readonly content: Maybe<string>;
  readonly urn: string;
  readonly origin: string;
  /** For records from a component's facts: what the name and the content are while unknown (`<scope>#<ref>`). */
  readonly nameSymbol?: string;
  readonly contentSymbol?: string;
  /** For an SPF record from facts: its terms (literal, or symbols of values unknown at preview). */
  readonly spf?: readonly SpfTermView[];
}

function normalizeContent(type: string, content: Maybe<string>): Maybe<string> {
  if (content === UNKNOWN || content === undefined) return content;
  if (type === "AAAA") return isIpv6(content.trim()) ? ipv6(content.trim()) : content.trim();
  if (type === "TXT") return joinTxt(content);
  if (type === "PTR" || type === "CNAME" || type === "MX")
    return normalizeDnsName(content.replace(/^\d+\s+/, ""));
  return content.trim();
}

/**
 * The stack's DNS, indexed by type and name once, so that every lookup the rules make (the PTR of an address,
 * the AAAA of a name, the SPF records of a domain) is a map access. Reads Cloudflare and DigitalOcean record
 * resources, this package's MailDns plan, Hetzner rDNS and DigitalOcean's automatic PTR (droplet named by an
 * FQDN).
 */
export class DnsIndex {
  private readonly byKey = new Map<string, DnsRecordView[]>();
  private readonly relative = new Map<string, DnsRecordView[]>();
  private readonly unknownNames = new Map<string, DnsRecordView[]>();
  private readonly providerPtr = new Map<string, DnsRecordView[]>();
  readonly records: DnsRecordView[] = [];

  private readonly bySymbol = new Map<string, DnsRecordView[]>();

  /**
   * @param facts the components' facts: a MailDns's records are read from its facts (the records it writes,
   *   literal or derived), and the provider records under it are not read a second time.
   */
  constructor(
    resources: readonly ResourceView[],
    byUrn: ReadonlyMap<string, ResourceView>,
    facts: ReadonlyMap<string, ComponentFacts> = new Map(),
  ) {
    for (const r of resources) {
      if (r.parent !== undefined && facts.get(r.parent)?.facts.dns !== undefined) continue;
      const described = facts.get(r.urn);
      if (described?.facts.dns && r.type === T.mailDns) {
        this.addFactRecords(described);
        continue;
      }
      switch (r.type) {
        case T.cloudflareDnsRecord:
        case T.cloudflareRecord:
          this.addCloudflare(r, byUrn);
          break;
        case T.doDnsRecord:
          this.addDigitalOcean(r);
          break;
        case T.mailDns:
          this.addMailDns(r);
          break;
        case T.hcloudRdns:
          this.addProviderPtr(
            readString(r.props, "ipAddress"),
            readString(r.props, "dnsPtr"),
            r.urn,
            "hcloud rDNS",
          );
          break;
        case T.droplet: {
          const name = readString(r.props, "name");
          if (readBoolean(r.props, "ipv6") === true && typeof name === "string" && isFqdn(name)) {
            this.addProviderPtr(
              readString(r.props, "ipv6Address"),
              name,
              r.urn,
              "DigitalOcean automatic PTR (droplet named by an FQDN)",
            );
          }
          break;
        }
        default:
          break;
      }
    }
  }

  private add(view: DnsRecordView): void {
    this.records.push(view);
    if (view.name === UNKNOWN || view.name === undefined) {
      const list = this.unknownNames.get(view.type) ?? [];
      list.push(view);
      this.unknownNames.set(view.type, list);
      return;
    }
    const map = view.nameIsRelative ? this.relative : this.byKey;
    const key = `${view.type} ${view.name}`;
    const list = map.get(key) ?? [];
    list.push(view);
    map.set(key, list);
  }

  private addRecord(
    type: Maybe<string>,
    name: Maybe<string>,
    zone: Maybe<string>,
    content: Maybe<string>,
    urn: string,
    origin: string,
  ): void {
    if (typeof type !== "string") return;
    const upper = type.toUpperCase();
    let fqdn: Maybe<string> = name;
    let relative = false;
    if (typeof name === "string") {
      const n = normalizeDnsName(name);
      if (typeof zone === "string") {
        const z = normalizeDnsName(zone);
        fqdn = n === "@" || n === "" ? z : n === z || n.endsWith(`.${z}`) ? n : `${n}.${z}`;
      } else if (n === "@" || !n.includes(".")) {
        fqdn = n;
        relative = true;
      } else {
        fqdn = n;
      }
    }
    this.add({
      type: upper,
      name: fqdn,
      nameIsRelative: relative,
      content: normalizeContent(upper, content),
      urn,
      origin,
    });
  }

  private addCloudflare(r: ResourceView, byUrn: ReadonlyMap<string, ResourceView>): void {
    let zone: Maybe<string> = undefined;
    for (const dep of r.propertyDependencies["zoneId"] ?? []) {
      const z = byUrn.get(dep);
      if (z?.type === T.cloudflareZone) zone = readString(z.props, "name");
    }
    const content = readString(r.props, "content") ?? readString(r.props, "value");
    this.addRecord(
      readString(r.props, "type"),
      readString(r.props, "name"),
      zone,
      content,
      r.urn,
      "Cloudflare record",
    );
  }

  private addDigitalOcean(r: ResourceView): void {
    const fqdn = readString(r.props, "fqdn");
    const name = typeof fqdn === "string" ? fqdn : readString(r.props, "name");
    const zone = typeof fqdn === "string" ? undefined : readString(r.props, "domain");
    this.addRecord(
      readString(r.props, "type"),
      name,
      zone,
      readString(r.props, "value"),
      r.urn,
      "DigitalOcean record",
    );
  }

  private addMailDns(r: ResourceView): void {
    const records = read(r.props, "records");
    if (records === UNKNOWN) {
      for (const type of ["AAAA", "PTR", "TXT"]) {
        this.add({
          type,
          name: UNKNOWN,
          nameIsRelative: false,
          content: UNKNOWN,
          urn: r.urn,
          origin: "MailDns plan",
        });
      }
      return;
    }
    if (!Array.isArray(records)) return;
    for (let i = 0; i < records.length; i++) {
      this.addRecord(
        readString(r.props, "records", i, "type"),
        readString(r.props, "records", i, "name"),
        undefined,
        readString(r.props, "records", i, "content"),
        r.urn,
        "MailDns plan",
      );
    }
  }

  private addFactRecords(f: ComponentFacts): void {
    const origin = `${f.facts.component} facts`;
    for (const record of f.facts.dns?.records ?? []) {
      const name = resolveFact(f, record.name);
      const content = resolveFact(f, record.content);
      const spf = record.spf?.map((t): SpfTermView => {
        if (t.text !== undefined || t.ref === undefined) return { ...t };
        const v = resolveFact(f, { ref: t.ref, derivation: "" });
        return { mechanism: t.mechanism, qualifier: t.qualifier, value: v.value, symbol: v.symbol };
      });
      const known = spf?.every((t) => t.text !== undefined || typeof t.value === "string");
      const text =
        spf && known
          ? [
              "v=spf1",
              ...spf.map(
                (t) => t.text ?? `${t.qualifier === "+" ? "" : t.qualifier}${t.mechanism}:${String(t.value)}`,
              ),
            ].join(" ")
          : undefined;
      const view: DnsRecordView = {
        type: record.type,
        name: typeof name.value === "string" ? normalizeDnsName(name.value) : name.value,
        nameIsRelative: false,
        content:
          record.type === "TXT"
            ? (text ?? (spf ? UNKNOWN : normalizeContent("TXT", content.value)))
            : normalizeContent(record.type, content.value),
        urn: f.resource.urn,
        origin,
        nameSymbol: name.symbol,
        contentSymbol: content.symbol,
        spf,
      };
      if (typeof view.name === "string") this.add(view);
      else this.records.push(view);
      for (const symbol of [name.symbol, content.symbol]) {
        if (symbol === undefined) continue;
        const list = this.bySymbol.get(symbol) ?? [];
        list.push(view);
        this.bySymbol.set(symbol, list);
      }
    }
  }

  /** Records from facts whose name or content is the value `symbol` names (e.g. the PTR of an SMTP address). */
  withSymbol(type: string, symbol: string): DnsRecordView[] {
    return (this.bySymbol.get(symbol) ?? []).filter((r) => r.type === type);
  }

  private addProviderPtr(address: Maybe<string>, name: Maybe<string>, urn: string, origin: string): void {
    const key =
      typeof address === "string" && isIpv6(address) ? ipv6(address) : address === UNKNOWN ? "?" : undefined;
    if (key === undefined) return;
    const view: DnsRecordView = {
      type: "PTR",
      name: typeof address === "string" && isIpv6(address) ? ptrName(address) : UNKNOWN,
      nameIsRelative: false,
      content: typeof name === "string" ? normalizeDnsName(name) : name,
      urn,
      origin,
    };
    this.records.push(view);
    const list = this.providerPtr.get(key) ?? [];
    list.push(view);
    this.providerPtr.set(key, list);
  }

  /**
   * Records of a type at a fully qualified name, including relative names of unknown zones that could be it
   * (`mail` matches `mail.example.com`; `@` matches a two-label apex).
   */
  lookup(type: string, fqdn: string): DnsRecordView[] {
    const name = normalizeDnsName(fqdn);
    const out = [...(this.byKey.get(`${type} ${name}`) ?? [])];
    if (this.relative.size > 0) {
      const labels = name.split(".");
      for (let k = 1; k < labels.length; k++) {
        out.push(...(this.relative.get(`${type} ${labels.slice(0, k).join(".")}`) ?? []));
      }
      if (labels.length === 2) out.push(...(this.relative.get(`${type} @`) ?? []));
    }
    return out;
  }

  /** Records of this type whose name is unknown at preview (any of them could be the one looked for). */
  unknownNamed(type: string): readonly DnsRecordView[] {
    return this.unknownNames.get(type) ?? [];
  }

  /** PTR records of an address: reverse-zone records plus provider-managed rDNS. */
  ptrRecords(address: string): { records: DnsRecordView[]; maybe: DnsRecordView[] } {
    const canonical = ipv6(address);
    const records = [...this.lookup("PTR", ptrName(canonical)), ...(this.providerPtr.get(canonical) ?? [])];
    const maybe = [...this.unknownNamed("PTR"), ...(this.providerPtr.get("?") ?? [])];
    return { records, maybe };
  }

  /** SPF records (TXT starting with `v=spf1`) at a name. */
  spfAt(fqdn: string): DnsRecordView[] {
    return this.lookup("TXT", fqdn).filter(
      (r) => r.content === UNKNOWN || (typeof r.content === "string" && /^v=spf1(\s|$)/i.test(r.content)),
    );
  }
}
