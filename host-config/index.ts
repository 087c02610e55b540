/**
 * Pure renderers of everything that runs on a mail host: plain, validated values in, complete shell scripts
 * and configuration files out. No Pulumi here: the components pass the output to remote commands, and the
 * unit and lab tests run it directly.
 */
export * from "./shell-text";
export * from "./script-frame";
export * from "./he-tunnel";
export * from "./he-tunnel-keepalive";
export * from "./he-endpoint-update";
export * from "./nftables-firewall";
export * from "./postfix";
export * from "./opendkim";
export * from "./exim";
export * from "./docker-mailserver";
export * from "./gai-conf";
export * from "./native-address";
export * from "./host-packages";
export * from "./host-state";
export * from "./mail-host-scripts";
export * from "./freebsd-tunnel";
export * from "./freebsd-pf";
export * from "./freebsd-postfix";
export * from "./freebsd-mail-host";
export * from "./freebsd-host-scripts";
