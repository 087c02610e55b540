import { DOCKER_IPV6_SUBNET, parseIpv6Prefix, settingValue } from "../net";
import { composeHostScript, HostScriptSection } from "./script-frame";
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

/** The daemon.json section, for {@link composeHostScript}. */
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
if install_file_if_changed "$dk_json" 0644 <"$dk_new"; then
  dk_changed=1
  # The daemon reads daemon.json only at start; running containers restart unless live-restore is on.
  if [ -z "$IPV6_MAIL_ROOT" ] && systemctl is-active --quiet docker; then systemctl restart docker; fi
fi`;
  const rollback = `if [ "$dk_changed" = 1 ] && [ -z "$IPV6_MAIL_ROOT" ] && systemctl is-active --quiet docker; then systemctl restart docker; fi`;
  return { name: "docker_daemon", apply, rollback };
}

/** Renders the daemon.json script (merge on the host, restart Docker only when the file changed). */
export function renderDockerDaemonScript(): string {
  return composeHostScript([dockerDaemonSection()], { title: "Docker daemon IPv6 (ip6tables)" });
}
