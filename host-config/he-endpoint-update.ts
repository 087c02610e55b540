import { HE_TUNNEL_ID, HE_UPDATE_ENDPOINT, parseIpv4Address, settingValue } from "../net";
import { composeHostScript, HostScriptSection } from "./script-frame";
import { CA_CERTIFICATES_PACKAGE, CURL_PACKAGE } from "./host-packages";
import { shellQuote } from "./shell-text";

/** Which HE tunnel to point at which client IPv4. */
export interface HeEndpointUpdateSpec {
  /** The tunnel's numeric ID (tunnelbroker.net "Tunnel ID"), sent as `hostname`. */
  readonly tunnelId: string;
  /** The public IPv4 HE must send the tunnel to (behind NAT: the public address, not the private one). */
  readonly clientIpv4: string;
  /** Update endpoint; default Hurricane Electric's (`HE_UPDATE_URL` of net/). Overridable so tests can answer locally. */
  readonly updateUrl?: string;
}

/**
 * The stdin the endpoint update script expects: the tunnelbroker username on the first line, the tunnel's
 * update key on the second. Build it inside a secret Output (e.g. `pulumi.secret(...).apply(...)`) and pass it
 * as the command's `stdin`, so neither value reaches a command line, an environment or a log.
 */
export function heEndpointUpdateStdin(username: string, updateKey: string): string {
  if (/[\r\n]/.test(username) || /[\r\n]/.test(updateKey)) {
    throw new Error("host-config HE endpoint update: username and update key must be single lines");
  }
  return `${username}\n${updateKey}\n`;
}

/** Asserts what the component checked (net's declarations); returns the update URL in effect. */
function check(spec: HeEndpointUpdateSpec): string {
  settingValue(HE_TUNNEL_ID, spec.tunnelId, "host-config HE endpoint update: tunnelId");
  parseIpv4Address(spec.clientIpv4);
  return settingValue(HE_UPDATE_ENDPOINT, spec.updateUrl, "host-config HE endpoint update: updateUrl");
}

/**
 * The endpoint update as a section, for {@link composeHostScript}. It reads the credentials from the
 * script's stdin (so only one section of a script may use it).
 */
export function heEndpointUpdateSection(spec: HeEndpointUpdateSpec): HostScriptSection {
  const url = check(spec);
  const apply = String.raw`he_tunnel=${shellQuote(spec.tunnelId)}
he_ip=${shellQuote(spec.clientIpv4)}
he_url=${shellQuote(url)}
he_state="$IPV6_MAIL_STATE_DIR/he-endpoint-$he_tunnel"
if [ -f "$he_state" ] && [ "$(cat "$he_state")" = "$he_ip" ]; then
  log "HE tunnel $he_tunnel already points at $he_ip"
  return 0
fi
he_user="" he_key=""
IFS= read -r he_user || true
IFS= read -r he_key || true
[ -n "$he_user" ] && [ -n "$he_key" ] ||
  die "HE endpoint update needs the tunnelbroker username and the tunnel's update key on stdin (two lines)"
command -v curl >/dev/null || die "curl not found: install the curl package"
he_escape() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
log "pointing HE tunnel $he_tunnel at $he_ip"
# The credentials travel in a curl config read from stdin: never in argv (visible in ps) or the environment.
if ! he_answer=$(printf 'user = "%s:%s"\n' "$(he_escape "$he_user")" "$(he_escape "$he_key")" |
  curl --config - --silent --show-error --max-time 30 --get \
    --data-urlencode "hostname=$he_tunnel" --data-urlencode "myip=$he_ip" "$he_url" 2>&1); then
  die "HE endpoint update for tunnel $he_tunnel could not reach $he_url: $(printf '%s' "$he_answer" | head -n 1 | cut -c1-200)"
fi
unset he_user he_key
he_answer=$(printf '%s' "$he_answer" | head -n 1 | tr -d '\r' | cut -c1-200)
case $he_answer in
  good | good\ * | nochg | nochg\ *)
    if install_file_if_changed "$he_state" 0600 < <(printf '%s\n' "$he_ip"); then :; fi
    log "HE answered: $he_answer"
    ;;
  badauth*)
    die "HE endpoint update for tunnel $he_tunnel answered 'badauth': check the tunnelbroker username and the tunnel's update key (not the account password)"
    ;;
  *)
    die "HE endpoint update for tunnel $he_tunnel answered '$he_answer' (expected good or nochg): check tunnelId and that $he_ip answers ICMP echo from the internet"
    ;;
esac`;
  return { name: "he_endpoint", apply, packages: [CURL_PACKAGE, CA_CERTIFICATES_PACKAGE] };
}

/**
 * Renders the script that points the HE tunnel at this host's IPv4, only when that IPv4 differs from the one
 * recorded after the last accepted update. Why a script on the host and not an HTTP call from Pulumi: the
 * address HE must see is the host's, and the update key stays on stdin end to end.
 */
export function renderHeEndpointUpdateScript(spec: HeEndpointUpdateSpec): string {
  return composeHostScript([heEndpointUpdateSection(spec)], {
    title: `HE tunnel ${spec.tunnelId} endpoint update`,
  });
}
