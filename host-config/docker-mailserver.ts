import { DOCKER_IPV6_SUBNET, parseIpv6Prefix, settingValue } from "../net";
import { composeHostScript, HostPackage, HostScriptSection } from "./script-frame";
import { PYTHON3_PACKAGE } from "./host-packages";
import { heredoc } from "./shell-text";

/** Where the Docker daemon reads its configuration. */
export const DOCKER_DAEMON_JSON_PATH = "/etc/docker/daemon.json";

/**
 * The daemon.json keys docker-mailserver needs for IPv6: `ip6tables` so IPv6 clients are NATed to the
 * container with their real address (instead of the proxy's), `experimental` which older Docker versions
 * require for ip6tables, and `userland-proxy` as the docker-mailserver documentation sets it.
 */
export const DOCKER_IPV6_SETTINGS: Readonly<Record<string, boolean>> = {
  ip6tables: true,
  experimental: true,
  "userland-proxy": true,
};

/**
 * Renders daemon.json: an existing configuration (as text) with {@link DOCKER_IPV6_SETTINGS} merged in, keys
 * already present keeping their position. Same input, same bytes.
 *
 * @throws Error when `existingJson` is not a JSON object.
 */
export function renderDockerDaemonJson(existingJson?: string): string {
  let base: Record<string, unknown> = {};
  if (existingJson !== undefined && existingJson.trim() !== "") {
    const parsed: unknown = JSON.parse(existingJson);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error("host-config docker: the existing daemon.json is not a JSON object");
    }
    base = parsed as Record<string, unknown>;
  }
  return `${JSON.stringify({ ...base, ...DOCKER_IPV6_SETTINGS }, null, 2)}\n`;
}

/** Options of the compose network for the mail container. */
export interface ComposeIpv6NetworkSpec {
  /** Compose network name; default "default". */
  readonly networkName?: string;
  /** A unique-local /64 (fc00::/7); default `DEFAULT_DOCKER_IPV6_SUBNET` of net/. */
  readonly subnet?: string;
}

/**
 * Renders the compose `networks:` snippet with IPv6 enabled on a unique-local subnet. Why ULA: the
 * container needs IPv6 to see real client addresses, but the subnet is internal (NAT66 by ip6tables).
 * `2001:db8::/32` is rejected: it is the documentation range and must never carry traffic.
 */
export function renderComposeIpv6Network(spec: ComposeIpv6NetworkSpec = {}): string {
  const subnet = parseIpv6Prefix(settingValue(DOCKER_IPV6_SUBNET, spec.subnet, "host-config docker: subnet"));
  const name = spec.networkName ?? "default";
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new Error(`host-config docker: networkName "${name}" is not a compose network name`);
  }
  return [
    "networks:",
    `  ${name}:`,
    "    enable_ipv6: true",
    "    ipam:",
    "      config:",
    `        - subnet: ${subnet.text}`,
    "",
  ].join("\n");
}

/**
 * The docker-mailserver environment that keeps the Docker gateway out of the trusted networks.
 *
 * Why: when IPv6 clients reach the container through a proxy or NAT that hides their address, they appear
 * to come from the Docker gateway. With `PERMIT_DOCKER=network` (or `connected-networks`) that gateway is
 * trusted, so every outside client may relay through the server: an open relay. `none` trusts only the
 * container itself.
 */
export function renderDockerMailserverEnv(): Readonly<Record<string, string>> {
  return { PERMIT_DOCKER: "none" };
}

/** Key of the recorded original of {@link DOCKER_DAEMON_JSON_PATH}. */
export const DOCKER_DAEMON_ORIGINAL_KEY = "docker.daemon.json";

/** Debian's and Ubuntu's Docker engine, for a host that runs docker-mailserver and has no Docker yet. */
export const DOCKER_PACKAGE: HostPackage = { name: "docker.io", command: "dockerd" };

/**
 * The daemon.json section, for {@link composeHostScript}. The file as it was before the first change (or its
 * absence) is recorded on the host for {@link dockerDaemonRestoreSection}.
 */
export function dockerDaemonSection(): HostScriptSection {
  const merge = String.raw`import json, sys
path, want = sys.argv[1], json.loads(sys.argv[2])
try:
    with open(path) as f:
        text = f.read()
except FileNotFoundError:
    text = ""
data = json.loads(text) if text.strip() else {}
if not isinstance(data, dict):
    sys.exit(path + " is not a JSON object")
data.update(want)
sys.stdout.write(json.dumps(data, indent=2) + "\n")
`;
  const apply = `dk_json="$IPV6_MAIL_ROOT${DOCKER_DAEMON_JSON_PATH}"
dk_changed=0
command -v python3 >/dev/null || die "python3 not found: it merges ${DOCKER_DAEMON_JSON_PATH} without losing its other keys"
dk_new="$ipv6_mail_run_dir/daemon.json"
python3 - "$dk_json" '${JSON.stringify(DOCKER_IPV6_SETTINGS)}' >"$dk_new" ${heredoc(merge)}
if install_file_if_changed "$dk_json" 0644 ${DOCKER_DAEMON_ORIGINAL_KEY} <"$dk_new"; then
  dk_changed=1
  # The daemon reads daemon.json only at start; running containers restart unless live-restore is on.
  if [ -z "$IPV6_MAIL_ROOT" ] && systemctl is-active --quiet docker; then systemctl restart docker; fi
fi`;
  const rollback = `if [ "$dk_changed" = 1 ] && [ -z "$IPV6_MAIL_ROOT" ] && systemctl is-active --quiet docker; then systemctl restart docker; fi`;
  return { name: "docker_daemon", apply, rollback, packages: [DOCKER_PACKAGE, PYTHON3_PACKAGE] };
}

/**
 * Removes the IPv6 rules Docker made with `ip6tables: true` (its `DOCKER*` chains in the nat and filter
 * tables, the jumps to them and its rules for its bridges: forwarding, masquerading), which Docker leaves in
 * place when it starts with ip6tables off. Indented for its place in {@link dockerDaemonRestoreSection}.
 */
const DOCKER_IP6TABLES_CLEANUP = `if command -v ip6tables >/dev/null; then
      for dk_table in nat filter; do
        ip6tables -t "$dk_table" -S 2>/dev/null |
          grep -E '^-A [A-Z]+ .*(-j DOCKER|-[io] (docker0|br-[0-9a-f]{12})( |$))' | sed 's/^-A /-D /' |
          while read -r dk_rule; do eval "ip6tables -t $dk_table $dk_rule" || true; done
        dk_chains=$(ip6tables -t "$dk_table" -S 2>/dev/null | sed -n 's/^-N \\(DOCKER[A-Z0-9_-]*\\)$/\\1/p')
        for dk_chain in $dk_chains; do ip6tables -t "$dk_table" -F "$dk_chain" || true; done
        for dk_chain in $dk_chains; do ip6tables -t "$dk_table" -X "$dk_chain" || true; done
      done
      log "removed Docker's ip6tables rules"
    fi`;

/**
 * The remove script's daemon.json section. When the file is still what apply made of the original, the
 * original comes back byte for byte (or the file goes, if there was none); when it was edited since, only
 * the keys of {@link DOCKER_IPV6_SETTINGS} get their original values back (or go, if they were not set) and
 * the edits stay. Docker restarts when the file changed and it runs.
 */
export function dockerDaemonRestoreSection(): HostScriptSection {
  const restore = String.raw`import json, sys
path, original, absent, out = sys.argv[1:5]
want = json.loads(sys.argv[5])
def read(p):
    try:
        with open(p) as f:
            return f.read()
    except FileNotFoundError:
        return None
current = read(path)
orig_text = None if absent == "1" else read(original)
def obj(text):
    data = json.loads(text) if text and text.strip() else {}
    if not isinstance(data, dict):
        sys.exit(path + " is not a JSON object")
    return data
orig = obj(orig_text)
applied = dict(orig)
applied.update(want)
if current is None or current == json.dumps(applied, indent=2) + "\n":
    result = orig_text
else:
    data = obj(current)
    for key in want:
        if key in orig:
            data[key] = orig[key]
        else:
            data.pop(key, None)
    result = None if orig_text is None and not data else json.dumps(data, indent=2) + "\n"
if result is None:
    sys.exit(3)
with open(out, "w") as f:
    f.write(result)
`;
  const apply = `dk_json="$IPV6_MAIL_ROOT${DOCKER_DAEMON_JSON_PATH}"
dk_changed=0
if ! original_recorded ${DOCKER_DAEMON_ORIGINAL_KEY}; then
  log "no daemon.json of ipv6-mail to restore"
  return 0
fi
command -v python3 >/dev/null || die "python3 not found: it restores ${DOCKER_DAEMON_JSON_PATH} without losing keys added since"
dk_new="$ipv6_mail_run_dir/daemon.json"
dk_absent=0
original_is_absent ${DOCKER_DAEMON_ORIGINAL_KEY} && dk_absent=1
dk_mode=0644
[ "$dk_absent" = 1 ] || dk_mode=$(ipv6_mail_mode_of "$(original_copy ${DOCKER_DAEMON_ORIGINAL_KEY})")
if python3 - "$dk_json" "$(original_copy ${DOCKER_DAEMON_ORIGINAL_KEY})" "$dk_absent" "$dk_new" '${JSON.stringify(DOCKER_IPV6_SETTINGS)}' ${heredoc(restore)}
then dk_status=0; else dk_status=$?; fi
if [ "$dk_status" = 3 ]; then
  if remove_file_if_present "$dk_json"; then dk_changed=1; fi
elif [ "$dk_status" = 0 ]; then
  if install_file_if_changed "$dk_json" "$dk_mode" <"$dk_new"; then dk_changed=1; fi
else
  die "could not restore ${DOCKER_DAEMON_JSON_PATH} (python3 exit $dk_status)"
fi
drop_original ${DOCKER_DAEMON_ORIGINAL_KEY}
if [ "$dk_changed" = 1 ] && [ -z "$IPV6_MAIL_ROOT" ] && systemctl is-active --quiet docker; then
  systemctl restart docker
  # Docker never removes the ip6tables rules it made once ip6tables is off again: take them away, so
  # published ports go back to Docker's userland proxy as before the apply.
  if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("ip6tables") is True else 1)' "$dk_json" 2>/dev/null; then
    ${DOCKER_IP6TABLES_CLEANUP}
  fi
fi`;
  const rollback = `if [ "$dk_changed" = 1 ] && [ -z "$IPV6_MAIL_ROOT" ] && systemctl is-active --quiet docker; then systemctl restart docker; fi`;
  return { name: "docker_daemon_restore", apply, rollback };
}

/** Renders the daemon.json script (merge on the host, restart Docker only when the file changed). */
export function renderDockerDaemonScript(): string {
  return composeHostScript([dockerDaemonSection()], { title: "Docker daemon IPv6 (ip6tables)" });
}
