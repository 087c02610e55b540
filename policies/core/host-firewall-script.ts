import { memoByText } from "./memo";
import { cidrOf, coversWorld } from "./ip-text";
import { parsePorts, PortRange, portsInclude } from "./port-range";

/**
 * A host firewall read out of shell or nftables text: the input chains that filter IPv6 and their rules in
 * order. It is a reviewer's reading, not a full nft grammar: it understands the constructs mail hosts use
 * (`table inet|ip6`, `chain … { type filter hook input …; policy drop; }`, `iifname`, `ip6 saddr`,
 * `tcp dport`, `icmpv6 type`, `meta l4proto`, `ct state`), the `nft add chain|rule` command form, and
 * `ip6tables -P/-A/-I`. Anything it does not understand makes a rule match nothing, which keeps the
 * conclusions conservative: an unreadable accept never hides a drop.
 */
export interface FirewallRule {
  readonly text: string;
  readonly verdict: "accept" | "drop" | "reject" | "other";
  /** Input interfaces the rule is limited to; undefined = every interface. */
  readonly inputInterfaces?: readonly string[];
  /** The rule only matches IPv4 (`ip saddr`, `meta nfproto ipv4`, `ip protocol`). */
  readonly ipv4Only: boolean;
  /** Layer-4 protocols the rule is limited to; undefined = any. */
  readonly protocols?: readonly string[];
  /** ICMPv6 types the rule is limited to (names or numbers); undefined = every type. */
  readonly icmpv6Types?: readonly string[];
  /** Destination ports; undefined = any port. */
  readonly destinationPorts?: readonly PortRange[];
  /** IPv6 source restriction; undefined = any source. `"set"` = a named set the text does not define inline. */
  readonly ipv6Sources?: readonly string[] | "set";
  /** Matches `ct state` (established/related) only. */
  readonly conntrackStates?: readonly string[];
  /** Conditions this reader does not understand; such a rule is treated as matching nothing specific. */
  readonly unparsed: boolean;
}

/** One input chain of a host firewall. */
export interface FirewallChain {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly hook?: string;
  policy?: "accept" | "drop";
  readonly rules: FirewallRule[];
}

/** What a script says about the host firewall; `present` is false when the text holds no firewall at all. */
export interface HostFirewallScript {
  readonly present: boolean;
  readonly chains: readonly FirewallChain[];
}

const IPV6_FAMILIES = new Set(["inet", "ip6"]);

/**
 * Removes shell and nft comments: on each line, from the first `#` that starts the line or follows whitespace
 * to the end of the line, the whitespace before it included; exactly what `line.replace(/(^|\s)#.*$/, "")`
 * does to every line (which also leaves a comment alone when a `\r`, U+2028 or U+2029 follows the `#` on its
 * line). Walks from `#` to `#` instead of splitting the text into lines: scripts are long and most lines hold no
 * `#`.
 */
function stripComments(text: string): string {
  let hash = text.indexOf("#");
  if (hash < 0) return text;
  let out = "";
  let copied = 0;
  while (hash >= 0) {
    let lineEnd = text.indexOf("\n", hash);
    if (lineEnd < 0) lineEnd = text.length;
    const before = hash === 0 ? "\n" : text[hash - 1];
    const start = before === "\n" ? hash : WHITESPACE.test(before) ? hash - 1 : -1;
    let comment = start >= 0;
    for (let k = hash + 1; comment && k < lineEnd; k++) if (isLineBreak(text.charCodeAt(k))) comment = false;
    if (comment) {
      out += text.slice(copied, start);
      copied = lineEnd;
      hash = text.indexOf("#", lineEnd);
    } else {
      hash = text.indexOf("#", hash + 1);
    }
  }
  return out + text.slice(copied);
}

const WHITESPACE = /\s/;

/** The line terminators other than `\n` that a regular expression's `.` does not match. */
function isLineBreak(code: number): boolean {
  return code === 0x0d || code === 0x2028 || code === 0x2029;
}

/**
 * The lines (split at `\n`) that contain `literal`, in order, each once; found by searching for the literal
 * instead of splitting the whole text, since in a long script few lines hold it.
 */
function linesContaining(text: string, literal: string): string[] {
  const lines: string[] = [];
  let at = text.indexOf(literal);
  while (at >= 0) {
    const start = text.lastIndexOf("\n", at) + 1;
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    lines.push(text.slice(start, end));
    at = text.indexOf(literal, end);
  }
  return lines;
}

function listValue(raw: string): string[] {
  return raw
    .trim()
    .replace(/^\{/, "")
    .replace(/\}$/, "")
    .split(/[\s,]+/)
    .map((v) => v.replace(/^"|"$/g, "").trim())
    .filter((v) => v !== "");
}

const VALUE = String.raw`(\{[^}]*\}|"[^"]*"|[^\s;]+)`;
const RE_IIF = new RegExp(String.raw`\biif(?:name)?\s+${VALUE}`);
const RE_IP6_SADDR = new RegExp(String.raw`\bip6\s+saddr\s+(!=\s*)?${VALUE}`);
const RE_L4PROTO = new RegExp(String.raw`\b(?:meta\s+)?l4proto\s+${VALUE}`);
const RE_NEXTHDR = new RegExp(String.raw`\bip6\s+nexthdr\s+${VALUE}`);
const RE_DPORT = new RegExp(String.raw`\b(tcp|udp|th)\s+dport\s+${VALUE}`);
const RE_ICMPV6_TYPE = new RegExp(String.raw`\bicmpv6\s+type\s+${VALUE}`);
const RE_CT_STATE = new RegExp(String.raw`\bct\s+state\s+${VALUE}`);

/** Parses one nft rule statement. */
export function parseNftRule(text: string): FirewallRule {
  const t = text.trim();
  const verdicts = [...t.matchAll(/\b(accept|drop|reject)\b/g)];
  const verdict = (
    verdicts.length > 0 ? verdicts[verdicts.length - 1][1] : "other"
  ) as FirewallRule["verdict"];
  const iif = RE_IIF.exec(t);
  const ip6saddr = RE_IP6_SADDR.exec(t);
  const ipv4Only =
    /\bip\s+(saddr|daddr|protocol)\b/.test(t) ||
    /\bmeta\s+nfproto\s+ipv4\b/.test(t) ||
    /\bicmp\s+type\b/.test(t);
  let protocols: string[] | undefined;
  const l4 = RE_L4PROTO.exec(t);
  const nexthdr = RE_NEXTHDR.exec(t);
  if (l4) protocols = listValue(l4[1]);
  else if (nexthdr) protocols = listValue(nexthdr[1]);
  const portMatch = RE_DPORT.exec(t);
  if (portMatch && portMatch[1] !== "th") protocols = [portMatch[1]];
  const icmpType = RE_ICMPV6_TYPE.exec(t);
  if (icmpType || /\bicmpv6\b/.test(t)) protocols = protocols ?? ["icmpv6"];
  const normalizedProtocols = protocols?.map((p) => (p === "ipv6-icmp" || p === "58" ? "icmpv6" : p));
  const ct = RE_CT_STATE.exec(t);
  let ipv6Sources: string[] | "set" | undefined;
  let unparsed = false;
  if (ip6saddr) {
    if (ip6saddr[1]) unparsed = true; // negated source sets are beyond this reader
    ipv6Sources = ip6saddr[2].startsWith("@") ? "set" : listValue(ip6saddr[2]);
  }
  const destinationPorts = portMatch ? parsePorts(portMatch[2]) : undefined;
  if (portMatch && destinationPorts === undefined) unparsed = true;
  return {
    text: t,
    verdict,
    inputInterfaces: iif ? listValue(iif[1]) : undefined,
    ipv4Only,
    protocols: normalizedProtocols,
    icmpv6Types: icmpType ? listValue(icmpType[1]) : undefined,
    destinationPorts,
    ipv6Sources,
    conntrackStates: ct ? listValue(ct[1]) : undefined,
    unparsed,
  };
}

interface Frame {
  kind: "table" | "chain" | "other";
  family?: string;
  table?: string;
  chain?: FirewallChain;
}

/** Splits nft file text into statements and block markers, keeping inline `{ … }` sets inside statements. */
function nftTokens(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let inlineDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      const head = current.trim();
      if (
        inlineDepth === 0 &&
        /^(table|chain|set|map|flowtable|counter|quota|ct\s+\w+|secmark|synproxy)\b/.test(head)
      ) {
        tokens.push(`${head} {`);
        current = "";
        continue;
      }
      inlineDepth++;
      current += c;
      continue;
    }
    if (c === "}") {
      if (inlineDepth > 0) {
        inlineDepth--;
        current += c;
        continue;
      }
      if (current.trim() !== "") tokens.push(current.trim());
      current = "";
      tokens.push("}");
      continue;
    }
    if ((c === "\n" || c === ";") && inlineDepth === 0) {
      if (current.trim() !== "") tokens.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim() !== "") tokens.push(current.trim());
  return tokens;
}

function chainHeader(chain: FirewallChain, statement: string): boolean {
  const hook = /^type\s+\w+\s+hook\s+(\w+)/.exec(statement);
  if (hook) {
    (chain as { hook?: string }).hook = hook[1];
    return true;
  }
  const policy = /^policy\s+(accept|drop)\b/.exec(statement);
  if (policy) {
    chain.policy = policy[1] as "accept" | "drop";
    return true;
  }
  return /^(comment|devices|priority)\b/.test(statement);
}

function parseNftBlocks(text: string, chains: Map<string, FirewallChain>): void {
  const stack: Frame[] = [];
  for (const token of nftTokens(text)) {
    if (token === "}") {
      stack.pop();
      continue;
    }
    const top = stack[stack.length - 1];
    if (token.endsWith("{")) {
      const head = token.slice(0, -1).trim();
      const table = /^table\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?(\S+)$/.exec(head);
      if (table) {
        stack.push({ kind: "table", family: table[1] ?? "ip", table: table[2] });
        continue;
      }
      const chain = /^chain\s+(\S+)$/.exec(head);
      if (chain && top?.kind === "table") {
        stack.push({ kind: "chain", chain: chainFor(chains, top.family ?? "ip", top.table ?? "", chain[1]) });
        continue;
      }
      stack.push({ kind: "other" });
      continue;
    }
    if (top?.kind === "chain" && top.chain) {
      if (!chainHeader(top.chain, token)) top.chain.rules.push(parseNftRule(token));
    }
  }
}

function chainFor(
  chains: Map<string, FirewallChain>,
  family: string,
  table: string,
  name: string,
): FirewallChain {
  const key = `${family} ${table} ${name}`;
  let chain = chains.get(key);
  if (!chain) {
    chain = { family, table, name, rules: [] };
    chains.set(key, chain);
  }
  return chain;
}

function parseNftCommands(text: string, chains: Map<string, FirewallChain>): void {
  const family = String.raw`(ip|ip6|inet)`;
  const chainCmd = new RegExp(
    String.raw`\bnft\s+(?:-\S+\s+)*(?:add|create)\s+chain\s+${family}\s+(\S+)\s+(\S+)\s*(.*)$`,
  );
  const ruleCmd = new RegExp(
    String.raw`\bnft\s+(?:-\S+\s+)*(add|insert)\s+rule\s+${family}\s+(\S+)\s+(\S+)\s+(.*)$`,
  );
  // Both commands name nft, so lines without it are skipped unread.
  for (const rawLine of linesContaining(text, "nft")) {
    const line = rawLine.trim().replace(/\\$/, "");
    const c = chainCmd.exec(line);
    if (c) {
      const chain = chainFor(chains, c[1], c[2], c[3]);
      const body = c[4].replace(/^['"]?\{?/, "").replace(/\}?['"]?\s*$/, "");
      for (const statement of body.split(";").map((s) => s.trim().replace(/\\/g, ""))) {
        if (statement !== "") chainHeader(chain, statement);
      }
      continue;
    }
    const r = ruleCmd.exec(line);
    if (r) {
      const chain = chainFor(chains, r[2], r[3], r[4]);
      const rule = parseNftRule(r[5].replace(/^['"]|['"]$/g, ""));
      if (r[1] === "insert") chain.rules.unshift(rule);
      else chain.rules.push(rule);
    }
  }
}

const IPTABLES_TARGETS: Record<string, FirewallRule["verdict"]> = {
  ACCEPT: "accept",
  DROP: "drop",
  REJECT: "reject",
};

function parseIp6tables(text: string, chains: Map<string, FirewallChain>): void {
  for (const rawLine of linesContaining(text, "ip6tables")) {
    const line = rawLine.trim();
    const m = /\bip6tables(?:-legacy|-nft)?\s+(.*)$/.exec(line);
    if (!m) continue;
    const args = m[1].split(/\s+/);
    const opt = (names: string[]): string | undefined => {
      const i = args.findIndex((a) => names.includes(a));
      return i >= 0 ? args[i + 1] : undefined;
    };
    const table = opt(["-t", "--table"]) ?? "filter";
    if (table !== "filter") continue;
    const policyChain = opt(["-P", "--policy"]);
    if (policyChain) {
      const target = args[args.indexOf(policyChain) + 1];
      const chain = chainFor(chains, "ip6tables", table, policyChain);
      (chain as { hook?: string }).hook = policyChain.toLowerCase();
      chain.policy = target === "ACCEPT" ? "accept" : "drop";
      continue;
    }
    const append = opt(["-A", "--append"]);
    const insert = opt(["-I", "--insert"]);
    const chainName = append ?? insert;
    if (!chainName) continue;
    const chain = chainFor(chains, "ip6tables", table, chainName);
    (chain as { hook?: string }).hook = chainName.toLowerCase();
    const target = opt(["-j", "--jump"]) ?? "";
    const proto = opt(["-p", "--protocol"]);
    const dport = opt(["--dport", "--destination-port"]) ?? opt(["--dports"]);
    const source = opt(["-s", "--source", "--src"]);
    const iface = opt(["-i", "--in-interface"]);
    const icmpType = opt(["--icmpv6-type"]);
    const state = opt(["--state", "--ctstate"]);
    const protocols = proto
      ? [proto === "ipv6-icmp" || proto === "icmp6" ? "icmpv6" : proto.toLowerCase()]
      : undefined;
    const destinationPorts = dport ? parsePorts(dport.replace(/,/g, " ")) : undefined;
    const rule: FirewallRule = {
      text: line,
      verdict: IPTABLES_TARGETS[target] ?? "other",
      inputInterfaces: iface ? [iface] : undefined,
      ipv4Only: false,
      protocols,
      icmpv6Types: icmpType ? [icmpType] : undefined,
      destinationPorts,
      ipv6Sources: source ? source.split(",") : undefined,
      conntrackStates: state ? state.toLowerCase().split(",") : undefined,
      unparsed: (dport !== undefined && destinationPorts === undefined) || args.includes("!"),
    };
    if (insert) chain.rules.unshift(rule);
    else chain.rules.push(rule);
  }
}

const HEREDOC = /<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/;

/**
 * The bodies of the shell here-documents in a script (`<<'EOF' … EOF`, `<<-X … X`): for each line (split at
 * `\n`) that opens one, the lines after it up to the line that is the delimiter (leading tabs dropped for
 * `<<-`), or to the end of the text when none is. Searches for `<<` instead of splitting the whole text.
 */
export function heredocBodies(text: string): string[] {
  const bodies: string[] = [];
  let at = text.indexOf("<<");
  while (at >= 0) {
    const lineStart = text.lastIndexOf("\n", at) + 1;
    let lineEnd = text.indexOf("\n", at);
    if (lineEnd < 0) lineEnd = text.length;
    const m = HEREDOC.exec(text.slice(lineStart, lineEnd));
    if (!m) {
      at = text.indexOf("<<", lineEnd);
      continue;
    }
    const bodyStart = lineEnd + 1;
    let bodyEnd = bodyStart - 1;
    let next = text.length;
    for (let pos = bodyStart; pos <= text.length; ) {
      let end = text.indexOf("\n", pos);
      if (end < 0) end = text.length;
      const line = text.slice(pos, end);
      if ((m[1] === "-" ? line.replace(/^\t+/, "") : line) === m[3]) {
        next = end;
        break;
      }
      bodyEnd = end;
      pos = end + 1;
    }
    bodies.push(bodyEnd >= bodyStart ? text.slice(bodyStart, bodyEnd) : "");
    at = text.indexOf("<<", next);
  }
  return bodies;
}

/**
 * Reads every host firewall construct out of a script or ruleset text.
 *
 * @example
 * parseHostFirewallScript("table inet filter { chain input { type filter hook input priority 0; policy drop; } }")
 *   .chains[0].policy; // "drop"
 */
export const parseHostFirewallScript: (text: string) => HostFirewallScript = memoByText(
  parseHostFirewallScriptNow,
  20_000,
);

function parseHostFirewallScriptNow(text: string): HostFirewallScript {
  const clean = stripComments(text);
  const chains = new Map<string, FirewallChain>();
  const TABLE = /\btable\s+(?:ip|ip6|inet)?\s*\S+\s*\{/;
  const bodies = heredocBodies(text);
  // A ruleset is either the whole text (a .nft file) or a here-document inside a shell script; shell braces
  // around it must never be read as nft blocks.
  for (const body of bodies.length > 0 ? bodies : [text]) {
    const cleanBody = stripComments(body);
    if (TABLE.test(cleanBody) && /\bchain\s/.test(cleanBody)) parseNftBlocks(cleanBody, chains);
  }
  if (/\bnft\s/.test(clean)) parseNftCommands(clean, chains);
  if (/\bip6tables/.test(clean)) parseIp6tables(clean, chains);
  const list = [...chains.values()];
  return { present: list.length > 0, chains: list };
}

/** The chains that filter IPv6 traffic addressed to the host itself. */
export function ipv6InputChains(script: HostFirewallScript): FirewallChain[] {
  return script.chains.filter(
    (c) => (IPV6_FAMILIES.has(c.family) || c.family === "ip6tables") && c.hook === "input",
  );
}

/** A packet for first-match evaluation. */
export interface ProbePacket {
  readonly protocol: string;
  readonly icmpv6Type?: { name: string; number: number };
  readonly port?: number;
  readonly source: string;
  readonly inputInterface?: string;
  /** Whether conntrack would classify the packet as related/established (ND messages are untracked). */
  readonly conntrackRelated: boolean;
}

function ruleMatches(rule: FirewallRule, packet: ProbePacket, ignoreSource = false): boolean {
  if (rule.unparsed || rule.ipv4Only) return false;
  if (
    rule.inputInterfaces &&
    !(packet.inputInterface && rule.inputInterfaces.includes(packet.inputInterface))
  )
    return false;
  if (rule.conntrackStates) {
    const related = rule.conntrackStates.some(
      (s) => s === "related" || s === "established" || s === "RELATED" || s === "ESTABLISHED",
    );
    if (!(related && packet.conntrackRelated)) return false;
  }
  if (rule.protocols && !rule.protocols.some((p) => p === packet.protocol || p === "all")) return false;
  if (rule.icmpv6Types) {
    if (!packet.icmpv6Type) return false;
    const { name, number } = packet.icmpv6Type;
    if (!rule.icmpv6Types.some((t) => t === name || t === String(number) || ALIASES[t] === name))
      return false;
  }
  if (rule.destinationPorts) {
    if (packet.port === undefined || !portsInclude(rule.destinationPorts, packet.port)) return false;
  }
  if (rule.ipv6Sources && !ignoreSource) {
    if (rule.ipv6Sources === "set") return false;
    const covered = rule.ipv6Sources.some((s) => {
      const cidr = cidrOf(s);
      if (!cidr || cidr.family !== 6) return false;
      const probe = cidrOf(packet.source);
      return (
        probe !== undefined &&
        cidr.prefix.first <= probe.prefix.first &&
        probe.prefix.last <= cidr.prefix.last
      );
    });
    if (!covered) return false;
  }
  return rule.verdict !== "other";
}

/** iptables' names for ICMPv6 types, mapped to nft's. */
const ALIASES: Readonly<Record<string, string>> = {
  "neighbour-solicitation": "nd-neighbor-solicit",
  "neighbor-solicitation": "nd-neighbor-solicit",
  "neighbour-advertisement": "nd-neighbor-advert",
  "neighbor-advertisement": "nd-neighbor-advert",
  "router-advertisement": "nd-router-advert",
  "router-solicitation": "nd-router-solicit",
  "packet-too-big": "packet-too-big",
};

/** The verdict a chain gives a packet: the first matching rule's, else the chain policy (default accept). */
export function chainVerdict(
  chain: FirewallChain,
  packet: ProbePacket,
): { verdict: "accept" | "drop" | "reject"; rule?: FirewallRule } {
  for (const rule of chain.rules) {
    if (ruleMatches(rule, packet)) return { verdict: rule.verdict as "accept" | "drop" | "reject", rule };
  }
  return { verdict: chain.policy ?? "accept" };
}

/**
 * What the chain does with the packet when it comes from anywhere on the IPv6 internet: rules limited to some
 * sources are skipped (traffic from elsewhere falls through them); a rule whose sources add up to the whole
 * IPv6 internet decides. `viaPolicy` tells whether no rule decided and the chain policy did.
 */
export function chainWorldVerdict(
  chain: FirewallChain,
  packet: ProbePacket,
): { verdict: "accept" | "drop" | "reject"; rule?: FirewallRule; viaPolicy: boolean } {
  for (const rule of chain.rules) {
    if (!ruleMatches(rule, packet, true)) continue;
    if (!ruleOpenToIpv6World(rule)) continue;
    return { verdict: rule.verdict as "accept" | "drop" | "reject", rule, viaPolicy: false };
  }
  return { verdict: chain.policy ?? "accept", viaPolicy: true };
}

/**
 * Whether the chain drops by default for the given interface: policy drop, or a trailing catch-all
 * drop/reject (optionally limited to that interface).
 */
export function chainDefaultDenies(chain: FirewallChain, inputInterface?: string): boolean {
  if (chain.policy === "drop") return true;
  return chain.rules.some(
    (r) =>
      (r.verdict === "drop" || r.verdict === "reject") &&
      !r.unparsed &&
      !r.ipv4Only &&
      r.protocols === undefined &&
      r.destinationPorts === undefined &&
      r.ipv6Sources === undefined &&
      r.conntrackStates === undefined &&
      (r.inputInterfaces === undefined ||
        (inputInterface !== undefined && r.inputInterfaces.includes(inputInterface))),
  );
}

/** Whether a rule's IPv6 source restriction still admits the whole IPv6 internet (`::/0`, `2000::/3`…). */
export function ruleOpenToIpv6World(rule: FirewallRule): boolean {
  if (rule.ipv6Sources === undefined) return true;
  if (rule.ipv6Sources === "set") return false;
  return coversWorld(rule.ipv6Sources);
}
