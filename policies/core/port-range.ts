/** An inclusive TCP/UDP port range. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** Every port: what `all`, `any`, `1-65535` and an absent port mean on a cloud firewall rule. */
export const ALL_PORTS: readonly PortRange[] = [{ from: 0, to: 65535 }];

/** Service names that firewall rules and nft scripts use instead of numbers. */
const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  pop3: 110,
  imap: 143,
  imap2: 143,
  https: 443,
  submissions: 465,
  smtps: 465,
  urd: 465,
  submission: 587,
  imaps: 993,
  pop3s: 995,
  "ms-wbt-server": 3389,
  rdp: 3389,
  sieve: 4190,
  managesieve: 4190,
  vnc: 5900,
  webmin: 10000,
};

function portNumber(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d{1,5}$/.test(t)) {
    const n = Number(t);
    return n <= 65535 ? n : undefined;
  }
  return SERVICE_PORTS[t];
}

/**
 * Parses a port specification as firewalls write it: `22`, `8000-9000`, `ssh`, `{ 22, 25, 587 }`, `22,25`,
 * `22:25` (iptables), `all`/`any`. Returns `undefined` when nothing parses, so callers can fail closed.
 *
 * @example
 * parsePorts("{ ssh, 25, 1000-2000 }"); // [{from:22,to:22},{from:25,to:25},{from:1000,to:2000}]
 */
export function parsePorts(spec: string | undefined): PortRange[] | undefined {
  if (spec === undefined) return undefined;
  const text = spec.trim().replace(/^\{/, "").replace(/\}$/, "").trim();
  if (text === "") return undefined;
  if (/^(all|any|\*)$/i.test(text)) return [...ALL_PORTS];
  const out: PortRange[] = [];
  for (const part of text.split(/[\s,]+/).filter((p) => p !== "")) {
    const range = /^([a-z0-9-]+?)[-:]([a-z0-9-]+)$/i.exec(part);
    if (range && portNumber(range[1]) !== undefined && portNumber(range[2]) !== undefined) {
      const a = portNumber(range[1]) as number;
      const b = portNumber(range[2]) as number;
      out.push({ from: Math.min(a, b), to: Math.max(a, b) });
      continue;
    }
    const single = portNumber(part);
    if (single === undefined) return undefined;
    out.push({ from: single, to: single });
  }
  return out.length > 0 ? out : undefined;
}

/** Whether any of the ranges contains the port. */
export function portsInclude(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => r.from <= port && port <= r.to);
}
