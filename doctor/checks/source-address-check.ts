import type { DoctorCheck } from "../doctor-report";
import { type HostFacts, routeSource } from "../host-probe";

/**
 * The address mail really leaves from, as the host's kernel and MTA decide it: the MTA's bound IPv6 address
 * (Postfix `smtp_bind_address6`, Exim's `interface`) if it has a route from it, else the kernel's source for
 * a public target. Undefined when neither gives one.
 */
export function effectiveSource(host: HostFacts): string | undefined {
  if (host.mtaBindAddress !== undefined) {
    return routeSource(host.routesFrom[host.mtaBindAddress] ?? "") ?? undefined;
  }
  return host.kernelSource;
}

/**
 * Compares the address mail leaves from with the SMTP address (the AAAA of the host name): the receiver
 * judges the connection's address, whatever DNS says.
 */
export function sourceAddressCheck(
  hostName: string,
  smtpAddresses: readonly string[],
  host: HostFacts,
  routeTarget: string,
): DoctorCheck {
  const mta = host.mta === "postfix" ? "Postfix" : host.mta === "exim" ? "Exim" : "no MTA";
  const bindKnob = host.mta === "exim" ? "Exim's remote_smtp interface" : "Postfix smtp_bind_address6";
  const want = smtpAddresses[0] ?? "<the SMTP address>";
  const bindFix =
    host.mta === "exim"
      ? `set REMOTE_SMTP_INTERFACE = <; ${want} in Exim's configuration (ipv6-mail's Exim settings do)`
      : `postconf -e smtp_bind_address6=${want} && postfix reload (ipv6-mail's MailServer does)`;
  const details = {
    mta: host.mta,
    bindAddress: host.mtaBindAddress ?? null,
    kernelRoute: host.kernelRoute,
    kernelSource: host.kernelSource ?? null,
    routeTarget,
    smtpAddresses,
  };
  if (host.mta === "postfix" && host.protocols !== undefined && !/\b(all|ipv6)\b/.test(host.protocols)) {
    return {
      id: "source-address",
      status: "fail",
      summary: `Postfix does not use IPv6 (inet_protocols = ${host.protocols})`,
      fix: "postconf -e inet_protocols=all && postfix reload",
      details,
    };
  }
  if (host.mtaBindAddress !== undefined) {
    const route = host.routesFrom[host.mtaBindAddress] ?? "";
    if (routeSource(route) === undefined) {
      return {
        id: "source-address",
        status: "fail",
        summary: `${mta} binds ${host.mtaBindAddress}, but the kernel has no route from it to ${routeTarget}: ${route || "no answer"}`,
        fix: "bring up the route of the dedicated /64 (the HE tunnel: ipv6-mail's tunnel files, `networkctl status`)",
        details,
      };
    }
  }
  const source = effectiveSource(host);
  if (source === undefined) {
    return {
      id: "source-address",
      status: "fail",
      summary: `the host has no IPv6 route to ${routeTarget}: ${host.kernelRoute}`,
      fix: "give the host IPv6 (the HE tunnel or the provider's /64)",
      details,
    };
  }
  const how =
    host.mtaBindAddress !== undefined ? `${bindKnob}` : `the kernel's choice, ${mta} binds no IPv6 address`;
  if (smtpAddresses.includes(source)) {
    return {
      id: "source-address",
      status: "ok",
      summary: `mail leaves from ${source} (${how}), the AAAA of ${hostName}`,
      details: { ...details, source },
    };
  }
  return {
    id: "source-address",
    status: "fail",
    summary: `mail leaves from ${source} (${how}), but the AAAA of ${hostName} is ${smtpAddresses.join(", ") || "missing"}: receivers judge ${source}`,
    fix: host.mtaBindAddress === undefined ? bindFix : `bind the MTA to the SMTP address: ${bindFix}`,
    details: { ...details, source },
  };
}
