import { HostPackage, HostScriptSection } from "./script-frame";
import { shellQuote } from "./shell-text";

/** Seconds apt waits for the package manager's lock (a fresh cloud image runs its own apt at first boot). */
export const APT_LOCK_TIMEOUT_SECONDS = 300;

/** Where the apply script lists the packages it installed, for the remove script to report. */
export const INSTALLED_PACKAGES_FILE = "/var/lib/ipv6-mail/installed-packages";

/** iproute2's `ip`: the tunnel, the SMTP address and the route checks. */
export const IPROUTE2_PACKAGE: HostPackage = { name: "iproute2", command: "ip" };
/** `ping`: the tunnel's check that HE's end of the link answers. */
export const PING_PACKAGE: HostPackage = { name: "iputils-ping", command: "ping" };
/** `modprobe`: loads the sit (6in4) module. */
export const KMOD_PACKAGE: HostPackage = { name: "kmod", command: "modprobe" };
/** `sysctl`: turns off the provider's RA default route. */
export const PROCPS_PACKAGE: HostPackage = { name: "procps", command: "sysctl" };
/** `nft`: the IPv6 host firewall. */
export const NFTABLES_PACKAGE: HostPackage = { name: "nftables", command: "nft" };
/** `curl`: HE's endpoint update (over HTTPS, so with the CA certificates). */
export const CURL_PACKAGE: HostPackage = { name: "curl", command: "curl" };
/** The CA certificates curl checks tunnelbroker.net's certificate with. */
export const CA_CERTIFICATES_PACKAGE: HostPackage = {
  name: "ca-certificates",
  command: "update-ca-certificates",
};
/** `python3`: merges Docker's daemon.json without losing its other keys. */
export const PYTHON3_PACKAGE: HostPackage = { name: "python3", command: "python3" };

/** The packages the sections need, each once, in the order the sections name them. */
export function packagesOf(sections: readonly HostScriptSection[]): HostPackage[] {
  const seen = new Map<string, HostPackage>();
  for (const section of sections) {
    for (const pkg of section.packages ?? []) {
      const known = seen.get(pkg.name);
      if (known === undefined) {
        seen.set(pkg.name, pkg);
      } else if (
        known.command !== pkg.command ||
        (known.debconf ?? []).join("\n") !== (pkg.debconf ?? []).join("\n")
      ) {
        throw new Error(
          `host-config packages: two sections ask for package ${pkg.name} differently (command or debconf answers)`,
        );
      }
    }
  }
  for (const pkg of seen.values()) checkPackage(pkg);
  return [...seen.values()];
}

function checkPackage(pkg: HostPackage): void {
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(pkg.name)) {
    throw new Error(`host-config packages: "${pkg.name}" is not a Debian package name`);
  }
  if (!/^[A-Za-z0-9_.+-]+$/.test(pkg.command)) {
    throw new Error(`host-config packages: "${pkg.command}" (package ${pkg.name}) is not a command name`);
  }
  for (const line of pkg.debconf ?? []) {
    if (
      /[\r\n]/.test(line) ||
      !/^\S+ \S+ (select|string|boolean|note|multiselect|password) /.test(`${line} `)
    ) {
      throw new Error(
        `host-config packages: debconf answer "${line}" (package ${pkg.name}) is not "<owner> <question> <type> <value>"`,
      );
    }
  }
}

/**
 * The section that installs what the following sections run, for {@link composeHostScript}: placed first in
 * an apply script, it makes a fresh Debian 12 or Ubuntu 24.04 cloud image (no MTA, maybe no nftables, curl or
 * ping) into a host the rest of the script can configure.
 *
 * Why this shape: a package counts as present when its command is on PATH, so nothing is installed (and apt is
 * not even asked) on a host that has everything, and an MTA or nft installed some other way is used as it is.
 * Only when something is missing: wait for cloud-init's first-boot work (which runs apt itself), give the
 * debconf answers (Postfix as "Internet Site" named after the host, and so on) so the install asks nothing,
 * `apt-get update`, then `apt-get install --no-install-recommends --no-remove`: apt may add packages but never
 * remove one (an MTA it would have to replace makes the install fail with apt's reason instead), and it
 * waits {@link APT_LOCK_TIMEOUT_SECONDS} s for a lock another apt holds. Installing packages touches no
 * network configuration, so the IPv4 path SSH uses stays as it is. Packages stay installed when a later
 * section fails and on `pulumi destroy` (removing an MTA can lose its mail queue): the names are listed in
 * {@link INSTALLED_PACKAGES_FILE}, and the remove script says which were installed and keeps them.
 *
 * Returns undefined when no section needs a package.
 */
export function hostPackagesSection(sections: readonly HostScriptSection[]): HostScriptSection | undefined {
  const packages = packagesOf(sections);
  if (packages.length === 0) return undefined;
  const words = (values: string[]) => values.map(shellQuote).join(" ");
  const debconf = packages.map((p) => (p.debconf ?? []).join("\n"));
  const apply = `pk_names=(${words(packages.map((p) => p.name))})
pk_commands=(${words(packages.map((p) => p.command))})
pk_debconf=(${words(debconf)})
pk_installed="$IPV6_MAIL_ROOT${INSTALLED_PACKAGES_FILE}"
pk_missing=()
pk_answers=""
for i in "\${!pk_names[@]}"; do
  if ! command -v "\${pk_commands[$i]}" >/dev/null 2>&1; then
    pk_missing+=("\${pk_names[$i]}")
    [ -z "\${pk_debconf[$i]}" ] || pk_answers+="\${pk_debconf[$i]}"$'\\n'
  fi
done
if [ "\${#pk_missing[@]}" -eq 0 ]; then
  log "packages: \${pk_names[*]} present"
  return 0
fi
command -v apt-get >/dev/null 2>&1 ||
  die "\${pk_missing[*]} missing and this host has no apt-get: install them (the host scripts support Debian 12 and Ubuntu 22.04 or newer)"
export DEBIAN_FRONTEND=noninteractive
if [ -z "$IPV6_MAIL_ROOT" ] && command -v cloud-init >/dev/null 2>&1; then
  log "waiting for cloud-init's first boot to finish (it runs apt too)"
  cloud-init status --wait >/dev/null 2>&1 || true
fi
if [ -n "$pk_answers" ]; then
  printf '%s' "$pk_answers" | debconf-set-selections ||
    die "debconf-set-selections refused the answers for \${pk_missing[*]}"
fi
pk_apt=(apt-get -q -y -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS} -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
log "installing \${pk_missing[*]} (apt-get update, then install)"
if ! pk_out=$("\${pk_apt[@]}" update 2>&1); then
  die "apt-get update failed, nothing was installed: $(printf '%s\\n' "$pk_out" | grep -E '^(E|W):' | tail -n 5 | tr '\\n' ' ')"
fi
if ! pk_out=$("\${pk_apt[@]}" install --no-install-recommends --no-remove "\${pk_missing[@]}" 2>&1); then
  die "apt-get install \${pk_missing[*]} failed (apt removed nothing): $(printf '%s\\n' "$pk_out" | grep -E '^(E|W):' | tail -n 5 | tr '\\n' ' ')"
fi
mkdir -p "$(dirname -- "$pk_installed")"
printf '%s\\n' "\${pk_missing[@]}" >>"$pk_installed"
mark_changed "installed \${pk_missing[*]}"
for i in "\${!pk_names[@]}"; do
  command -v "\${pk_commands[$i]}" >/dev/null 2>&1 ||
    die "\${pk_names[$i]} is installed but \${pk_commands[$i]} is still not on PATH"
done`;
  return { name: "packages", apply };
}

/**
 * The remove script's part of the package install: the packages stay (they may hold data, e.g. Postfix's mail
 * queue, and other software may use them by now); the run lists the ones the apply installed, so the user
 * can `apt-get purge` them, and forgets the list.
 */
export function hostPackagesRemoveSection(): HostScriptSection {
  const apply = `pk_installed="$IPV6_MAIL_ROOT${INSTALLED_PACKAGES_FILE}"
if [ -s "$pk_installed" ]; then
  log "packages installed by ipv6-mail stay installed: $(sort -u "$pk_installed" | tr '\\n' ' ')(apt-get purge them to remove them with their data)"
  remove_file_if_present "$pk_installed" || true
fi`;
  return { name: "packages_remove", apply };
}
