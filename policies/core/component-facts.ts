import {
  DnsFacts,
  FactRef,
  FactValue,
  FirewallFacts,
  MAIL_FACTS_VERSION,
  MailFacts,
  MtaFacts,
  TunnelFacts,
  AddressingFacts,
} from "../../facts/mail-facts";
import { read, ResourceView } from "./resource-view";
import { T } from "./type-tokens";
import { Maybe, UNKNOWN } from "./unknown";

/** The resource types whose `facts` the pack reads (this package's components). */
const FACT_TYPES: ReadonlySet<string> = new Set([
  T.mailServer,
  T.heTunnel,
  T.hostFirewall,
  T.mtaBinding,
  T.mailDns,
]);

/**
 * A component's facts (`ipv6-mail.facts/v1`) as the pack reads them: the literal parts as registered, and each
 * ref resolved through the fact set's values, or, while those are unknown at preview, as a symbol naming the
 * value (`<scope URN>#<ref>`), so two facts that take the same value can be matched without knowing it.
 */
export interface ComponentFacts {
  readonly resource: ResourceView;
  /** The URN whose values the refs name: the component's, or its MailServer's for a part. */
  readonly scope: string;
  readonly facts: MailFacts;
  /** The values behind the refs: `UNKNOWN` at preview while the host does not exist. */
  readonly values: Maybe<Readonly<Record<string, unknown>>>;
}

/** A fact value for the rules: the address or name when known, and the symbol of what it is. */
export interface ResolvedFact {
  readonly value: Maybe<string>;
  /** `<scope>#<ref>` for a value that is a ref (known or not); undefined for a literal. */
  readonly symbol?: string;
}

/**
 * The facts of `r`, when it is one of this package's components and registered facts of a version this pack
 * reads; undefined otherwise (an older component, or facts unknown as a whole), and the pack then judges the
 * resource by its other outputs as before.
 */
export function readComponentFacts(
  r: ResourceView,
  parentOf: (urn: string) => ResourceView | undefined,
): ComponentFacts | undefined {
  if (!FACT_TYPES.has(r.type)) return undefined;
  const facts = read(r.props, "facts");
  if (facts === UNKNOWN || facts === null || typeof facts !== "object") return undefined;
  const f = facts as MailFacts;
  if (f.version !== MAIL_FACTS_VERSION) return undefined;
  const parent = r.parent ? parentOf(r.parent) : undefined;
  const scopeResource = f.partOf === "MailServer" && parent?.type === T.mailServer ? parent : r;
  const values = read(scopeResource.props, "facts", "values");
  return {
    resource: r,
    scope: scopeResource.urn,
    facts: f,
    values:
      values === UNKNOWN
        ? UNKNOWN
        : values !== null && typeof values === "object"
          ? (values as Record<string, unknown>)
          : undefined,
  };
}

/** Resolves a fact value of `facts`: literal, the known value of its ref, or the ref's symbol while unknown. */
export function resolveFact(facts: ComponentFacts, value: FactValue | undefined): ResolvedFact {
  if (value === undefined) return { value: undefined };
  if (typeof value.value === "string") return { value: value.value };
  if (value.ref === undefined) return { value: UNKNOWN };
  return { value: refValue(facts, value.ref), symbol: `${facts.scope}#${value.ref}` };
}

function refValue(facts: ComponentFacts, ref: FactRef): Maybe<string> {
  if (facts.values === UNKNOWN) return UNKNOWN;
  const v = facts.values === undefined ? undefined : read(facts.values, ref);
  if (v === UNKNOWN || (v !== null && typeof v === "object")) return UNKNOWN;
  return typeof v === "string" ? v : v === undefined && facts.values === undefined ? UNKNOWN : undefined;
}

/** The symbol of a ref in a scope, to compare with {@link ResolvedFact.symbol}. */
export function factSymbol(scope: string, ref: FactRef): string {
  return `${scope}#${ref}`;
}

/** The scope and ref a symbol names. */
export function symbolParts(symbol: string): { scope: string; ref: string } {
  const i = symbol.lastIndexOf("#");
  return { scope: symbol.slice(0, i), ref: symbol.slice(i + 1) };
}

/** The facts of one MailServer and its parts, merged: what the host is configured with. */
export interface MailServerFacts {
  readonly scope: string;
  readonly main: ComponentFacts;
  readonly addressing?: { readonly facts: ComponentFacts; readonly value: AddressingFacts };
  readonly tunnel?: { readonly facts: ComponentFacts; readonly value: TunnelFacts };
  readonly firewall?: { readonly facts: ComponentFacts; readonly value: FirewallFacts };
  readonly mta?: { readonly facts: ComponentFacts; readonly value: MtaFacts };
  readonly dns?: { readonly facts: ComponentFacts; readonly value: DnsFacts };
}

/** Merges a MailServer's facts with those of its parts (`partOf: "MailServer"`), each part's section once. */
export function mergeMailServerFacts(
  main: ComponentFacts,
  parts: readonly ComponentFacts[],
): MailServerFacts {
  const out: {
    scope: string;
    main: ComponentFacts;
    addressing?: MailServerFacts["addressing"];
    tunnel?: MailServerFacts["tunnel"];
    firewall?: MailServerFacts["firewall"];
    mta?: MailServerFacts["mta"];
    dns?: MailServerFacts["dns"];
  } = { scope: main.scope, main };
  for (const f of [main, ...parts]) {
    if (f.facts.addressing && !out.addressing) out.addressing = { facts: f, value: f.facts.addressing };
    if (f.facts.tunnel && !out.tunnel) out.tunnel = { facts: f, value: f.facts.tunnel };
    if (f.facts.firewall && !out.firewall) out.firewall = { facts: f, value: f.facts.firewall };
    if (f.facts.mta && !out.mta) out.mta = { facts: f, value: f.facts.mta };
    if (f.facts.dns && !out.dns) out.dns = { facts: f, value: f.facts.dns };
  }
  return out;
}
