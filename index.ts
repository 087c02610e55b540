/**
 * ipv6-mail: Pulumi components that make a self-hosted mail server send over IPv6 from a dedicated /64, with
 * matching AAAA, PTR and SPF and an IPv6 firewall that keeps neighbour discovery open.
 *
 * `net` (pure IPv6 planning) and `hostConfig` (pure host script renderers) are exported as namespaces; the
 * policy pack is `ipv6-mail/policies`, the test harness `ipv6-mail/testing`.
 */
export * from "./components";
export * as net from "./net";
export * as hostConfig from "./host-config";
