import { TUNNEL_NETWORKD_STEM } from "../host-config/he-tunnel";
import { OPENDKIM_DIR } from "../host-config/opendkim";
import { isIpv6Address, parseIpv6Address } from "../net";

/** The tag of every line the probe prints; other output (a login banner) is ignored. */
const TAG = "ipv6-mail-doctor:";

/**
 * What the doctor asks the mail host, as one bash script run over SSH (one connection, read-only: it changes
 * nothing on the host). Arguments: the public route target. It prints:
 * - `route <ip -6 route get target>`: the kernel's choice for a connection without a bound source;
 * - `mta postfix|exim|none`, `bind6 <address>` (Postfix `smtp_bind_address6`, Exim's remote_smtp `interface`),
 *   `protocols <inet_protocols>`, and `route-from <ip -6 route get target from bind>` when a source is bound;
 * - `tunnel <interface> <HE server address>` for each tunnel ipv6-mail wrote (its systemd-networkd files) and
 *   `tunnel-ping <interface> <exit status> <ping's summary>` of `ping -6 -c 3` to HE's end over it;
 * - `dkim-signing <domain> <selector>` from ipv6-mail's OpenDKIM configuration and `dkim-key <selector> <base64>`,
 *   the public half of each key there (the private key is read on the host only).
 */
export const HOST_PROBE_SCRIPT = String.raw`set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
target=$1
say() { printf '${TAG} %s\n' "$*"; }
say route "$(ip -6 route get "$target" 2>&1 | head -n 1)"
bind=""
if command -v postconf >/dev/null 2>&1; then
  say mta postfix
  bind=$(postconf -h smtp_bind_address6 2>/dev/null || true)
  say protocols "$(postconf -h inet_protocols 2>/dev/null || true)"
elif command -v exim4 >/dev/null 2>&1 || command -v exim >/dev/null 2>&1; then
  say mta exim
  ex=$(command -v exim4 || command -v exim)
  bind=$("$ex" -bP transport remote_smtp 2>/dev/null | sed -n 's/^ *interface = //p' | head -n 1)
else
  say mta none
fi
say bind6 "$bind"
for a in $(printf '%s' "$bind" | tr ';, ' '\n\n\n' | grep ':' || true); do
  say route-from "$a $(ip -6 route get "$target" from "$a" 2>&1 | head -n 1)"
done
for netdev in ${TUNNEL_NETWORKD_STEM}*.netdev; do
  [ -f "$netdev" ] || continue
  name=$(sed -n 's/^Name=//p' "$netdev" | head -n 1)
  gw=$(sed -n 's/^Gateway=//p' "${"$"}{netdev%.netdev}.network" 2>/dev/null | head -n 1)
  [ -n "$name" ] && [ -n "$gw" ] || continue
  say tunnel "$name" "$gw"
  out=$(ping -6 -n -c 3 -W 2 -I "$name" "$gw" 2>&1); rc=$?
  say tunnel-ping "$name" "$rc" "$(printf '%s\n' "$out" | grep -E 'packets transmitted|unknown|No such|not found|Cannot|invalid' | head -n 1)"
done
conf=${OPENDKIM_DIR}/opendkim.conf
if [ -r "$conf" ]; then
  say dkim-signing "$(sed -n 's/^Domain //p' "$conf" | head -n 1)" "$(sed -n 's/^Selector //p' "$conf" | head -n 1)"
fi
for key in ${OPENDKIM_DIR}/*.private; do
  [ -r "$key" ] || continue
  pub=$(openssl pkey -in "$key" -pubout -outform DER 2>/dev/null | base64 -w0)
  [ -n "$pub" ] && say dkim-key "$(basename "$key" .private)" "$pub"
done
say end
`;

/** One tunnel ipv6-mail set up on the host, and whether HE's end answered over it. */
export interface HostTunnel {
  readonly interfaceName: string;
  /** HE's end of the tunnel link (`::1`), the gateway of the tunnel's default route. */
  readonly serverAddress: string;
  /** `ping -6 -c 3` over the interface: its exit status (0: answers came back) and summary line. */
  readonly pingExitCode: number | null;
  readonly pingSummary: string;
}

/** What the host said, parsed. */
export interface HostFacts {
  /** The source address the kernel picks for the route target (no bound source), if it has a route. */
  readonly kernelSource?: string;
  readonly kernelRoute: string;
  readonly mta: "postfix" | "exim" | "none";
  /** The IPv6 address the MTA binds outgoing SMTP to, if any. */
  readonly mtaBindAddress?: string;
  /** Postfix's `inet_protocols`. */
  readonly protocols?: string;
  /** `ip -6 route get <target> from <bound address>`, by bound address. */
  readonly routesFrom: Readonly<Record<string, string>>;
  readonly tunnels: readonly HostTunnel[];
  readonly dkimSigning?: { readonly domain: string; readonly selector: string };
  /** Public keys (base64 DER SubjectPublicKeyInfo) of the host's DKIM keys, by selector. */
  readonly dkimKeys: Readonly<Record<string, string>>;
}

/** The `src` address of an `ip -6 route get` line. */
export function routeSource(line: string): string | undefined {
  const m = /\bsrc ([0-9a-f:]+)/i.exec(line);
  return m && isIpv6Address(m[1]) ? parseIpv6Address(m[1]) : undefined;
}

/** Reads the probe's output. Throws when it did not run to its end (the SSH session or the script broke). */
export function parseHostProbe(stdout: string): HostFacts {
  let kernelRoute = "";
  let mta: HostFacts["mta"] = "none";
  let bind = "";
  let protocols: string | undefined;
  let ended = false;
  const routesFrom: Record<string, string> = {};
  const tunnels: HostTunnel[] = [];
  const pending = new Map<string, string>();
  let dkimSigning: HostFacts["dkimSigning"];
  const dkimKeys: Record<string, string> = {};
  for (const raw of stdout.split("\n")) {
    if (!raw.startsWith(`${TAG} `)) continue;
    const line = raw.slice(TAG.length + 1);
    const sp = line.indexOf(" ");
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? "" : line.slice(sp + 1).trim();
    const words = rest.split(/\s+/);
    switch (key) {
      case "route":
        kernelRoute = rest;
        break;
      case "mta":
        mta = rest === "postfix" || rest === "exim" ? rest : "none";
        break;
      case "bind6":
        bind = rest;
        break;
      case "protocols":
        protocols = rest;
        break;
      case "route-from":
        routesFrom[words[0]] = words.slice(1).join(" ");
        break;
      case "tunnel":
        pending.set(words[0], words[1] ?? "");
        break;
      case "tunnel-ping": {
        const code = Number(words[1]);
        tunnels.push({
          interfaceName: words[0],
          serverAddress: pending.get(words[0]) ?? "",
          pingExitCode: Number.isInteger(code) ? code : null,
          pingSummary: words.slice(2).join(" "),
        });
        pending.delete(words[0]);
        break;
      }
      case "dkim-signing":
        if (words.length === 2 && words[0] !== "" && words[1] !== "") {
          dkimSigning = { domain: words[0].toLowerCase(), selector: words[1] };
        }
        break;
      case "dkim-key":
        if (words.length === 2) dkimKeys[words[0]] = words[1];
        break;
      case "end":
        ended = true;
        break;
    }
  }
  if (!ended) throw new Error("the host's answers ended early (the SSH session or the probe script broke)");
  const bound = bind
    .split(/[;,\s]+/)
    .map((a) => a.trim())
    .find((a) => a !== "" && isIpv6Address(a));
  const kernelSource = routeSource(kernelRoute);
  return {
    ...(kernelSource !== undefined ? { kernelSource } : {}),
    kernelRoute,
    mta,
    ...(bound !== undefined ? { mtaBindAddress: parseIpv6Address(bound) } : {}),
    ...(protocols !== undefined ? { protocols } : {}),
    routesFrom,
    tunnels,
    ...(dkimSigning !== undefined ? { dkimSigning } : {}),
    dkimKeys,
  };
}
