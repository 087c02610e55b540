/**
 * ipv6-mail: Pulumi components that make a self-hosted mail server send over IPv6 from a dedicated /64, with
 * matching AAAA, PTR and SPF and an IPv6 firewall that keeps neighbour discovery open.
 *
 * The root holds what a stack needs: the components, their argument types, and the errors they fail with
 * ({@link InvalidConfigError} before anything is registered, {@link LateConfigError} once an output of
 * another resource turned out invalid), and the shape of the `facts` every component publishes ({@link MailFacts},
 * see facts/FACTS.md). `net` (pure IPv6 planning: parsing, allocation, reverse names, SPF,
 * the DNS plan, the declared settings) and `hostConfig` (pure renderers of the host scripts) are namespaces
 * for those who plan or review on their own; the policy pack is `ipv6-mail/policies`, the test harness
 * `ipv6-mail/testing`.
 */
export * from "./components";
export { InvalidConfigError } from "./net";
export type { ConfigProblem } from "./net";
export { MAIL_FACTS_VERSION } from "./facts/mail-facts";
export type { MailFacts, FactValue, FactRef } from "./facts/mail-facts";
export * as net from "./net";
export * as hostConfig from "./host-config";
