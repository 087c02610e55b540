/**
 * The pure IPv6 planning layer: parsing, validation, allocation, reverse names, ownership, SPF and the DNS
 * plan. Plain values in, plain values out, no Pulumi: the components and the policy pack share it.
 */
export * from "./config-problem";
export * from "./setting";
export * from "./mail-host-settings";
export * from "./ip-parse-error";
export * from "./ip-prefix";
export * from "./address-kind";
export * from "./public-prefix-check";
export * from "./world-coverage";
export * from "./service-address";
export * from "./host-service";
export * from "./reverse-dns";
export * from "./dnsbl-name";
export * from "./dkim-record";
export * from "./dmarc-record";
export * from "./subnet-allocation";
export * from "./prefix-ownership";
export * from "./spf-record";
export * from "./spf-evaluation";
export * from "./mail-dns-plan";
export * from "./tunnel-prefix-check";
