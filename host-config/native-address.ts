import { INTERFACE_NAME, parseIpv6Address, settingValue } from "../net";
import { HostScriptSection } from "./script-frame";
import { IPROUTE2_PACKAGE } from "./host-packages";
import { heredoc, shellQuote } from "./shell-text";

/** The SMTP address on a host whose own NIC carries the dedicated /64 (Hetzner, a dedicated server). */
export interface NativeAddressSpec {
  /** The NIC the provider routes the /64 to (e.g. "eth0"). */
  readonly interfaceName: string;
  /** The SMTP source address inside that /64. */
  readonly smtpAddress: string;
  /** Further addresses of the /64 the host answers on (services with their own address), /128 each too. */
  readonly serviceAddresses?: readonly string[];
}

/** The SMTP address and the service addresses, canonical, in that order. */
function nativeAddresses(spec: NativeAddressSpec): string[] {
  return [spec.smtpAddress, ...(spec.serviceAddresses ?? [])].map((a) => parseIpv6Address(a));
}

/** The unit that adds the SMTP address at every boot. */
export const NATIVE_ADDRESS_UNIT = "ipv6-mail-smtp-address.service";

/**
 * The systemd unit that puts the SMTP address on the NIC, as a /128 beside the provider's configuration
 * (whatever tool manages the NIC: cloud-init, ifupdown, netplan). A /128 adds no second on-link route for the
 * /64, and the MTA binds to it explicitly, so nothing else on the host changes source address.
 */
export function renderNativeAddressUnit(spec: NativeAddressSpec): string {
  const addresses = nativeAddresses(spec);
  settingValue(INTERFACE_NAME, spec.interfaceName, "host-config native address: interfaceName");
  return [
    "[Unit]",
    "Description=ipv6-mail: SMTP source address of the dedicated /64",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    ...addresses.map((a) => `ExecStart=/sbin/ip -6 addr replace ${a}/128 dev ${spec.interfaceName} nodad`),
    ...addresses.map((a) => `ExecStop=-/sbin/ip -6 addr del ${a}/128 dev ${spec.interfaceName}`),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Installs and starts the unit when it differs; verifies that the address is on the NIC. */
export function nativeAddressSection(spec: NativeAddressSpec): HostScriptSection {
  const addresses = nativeAddresses(spec);
  const nic = shellQuote(spec.interfaceName);
  const verify = addresses
    .map(
      (a) =>
        `ip -6 addr show dev ${nic} | grep -q ${shellQuote(`inet6 ${a}/128`)} || die "${a} is not on ${spec.interfaceName}: check that the interface exists"`,
    )
    .join("\n");
  const apply = `native_unit="$IPV6_MAIL_ROOT/etc/systemd/system/${NATIVE_ADDRESS_UNIT}"
if install_file_if_changed "$native_unit" 0644 ${heredoc(renderNativeAddressUnit(spec))}
then
  # The unit still loaded is the old one: its ExecStop takes the addresses it added (a removed service's too).
  systemctl stop ${NATIVE_ADDRESS_UNIT} 2>/dev/null || true
  systemctl daemon-reload
  systemctl enable ${NATIVE_ADDRESS_UNIT} >/dev/null 2>&1
  systemctl restart ${NATIVE_ADDRESS_UNIT}
  log "${addresses.join(", ")} configured on ${spec.interfaceName}"
fi
${verify}`;
  const rollback = `systemctl daemon-reload
systemctl restart ${NATIVE_ADDRESS_UNIT} 2>/dev/null || { ${addresses.map((a) => `ip -6 addr del ${a}/128 dev ${spec.interfaceName} 2>/dev/null;`).join(" ")} }`;
  return { name: "native_address", apply, rollback, packages: [IPROUTE2_PACKAGE] };
}

/**
 * The remove script's part: stops the unit (its ExecStop takes the SMTP address and the service addresses off
 * the NIC), disables it and deletes it, so the NIC carries only what the provider configured.
 */
export function nativeAddressRemoveSection(spec: NativeAddressSpec): HostScriptSection {
  const addresses = nativeAddresses(spec);
  const nic = shellQuote(spec.interfaceName);
  const leftovers = addresses
    .map(
      (a) => `if ip -6 addr show dev ${nic} 2>/dev/null | grep -q ${shellQuote(`inet6 ${a}/128`)}; then
  ip -6 addr del ${a}/128 dev ${nic}
  mark_changed "removed ${a} from ${spec.interfaceName}"
fi`,
    )
    .join("\n");
  const apply = `native_unit="$IPV6_MAIL_ROOT/etc/systemd/system/${NATIVE_ADDRESS_UNIT}"
if [ -e "$native_unit" ]; then
  if [ -z "$IPV6_MAIL_ROOT" ]; then
    systemctl disable --now ${NATIVE_ADDRESS_UNIT} >/dev/null 2>&1 || true
  fi
  remove_file_if_present "$native_unit" || true
  if [ -z "$IPV6_MAIL_ROOT" ]; then systemctl daemon-reload; fi
fi
${leftovers}`;
  const rollback = `if [ -z "$IPV6_MAIL_ROOT" ]; then systemctl daemon-reload; systemctl restart ${NATIVE_ADDRESS_UNIT} 2>/dev/null; fi`;
  return { name: "native_address_remove", apply, rollback };
}
