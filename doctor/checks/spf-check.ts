import { buildSpfRecord, containingIpv6Prefix, evaluateSpf, type SpfDnsSource } from "../../net";
import type { DoctorCheck } from "../doctor-report";

/**
 * SPF evaluated for the SMTP address, as a receiver does (`check_host()` of RFC 7208 by mailauth, the package's
 * one evaluator, asking the real DNS): the MAIL FROM identity, HELO the host name.
 */
export async function spfCheck(
  smtpAddress: string,
  hostName: string,
  mailFrom: string,
  dns: SpfDnsSource,
): Promise<DoctorCheck> {
  const domain = mailFrom.slice(mailFrom.lastIndexOf("@") + 1).toLowerCase();
  const evaluation = await evaluateSpf({ ip: smtpAddress, mailFrom, helo: hostName, dns });
  const details = {
    address: smtpAddress,
    mailFrom,
    helo: hostName,
    result: evaluation.result,
    reason: evaluation.reason ?? null,
  };
  const prefix = containingIpv6Prefix(smtpAddress, 64).text;
  const record = buildSpfRecord({ ipv6: [prefix] });
  const because = evaluation.reason !== undefined ? ` (${evaluation.reason})` : "";
  switch (evaluation.result) {
    case "pass":
      return { id: "spf", status: "ok", summary: `SPF of ${domain} passes for ${smtpAddress}`, details };
    case "temperror":
    case "unknown":
      return {
        id: "spf",
        status: "warn",
        summary: `SPF of ${domain} for ${smtpAddress}: ${evaluation.result}${because}`,
        fix: "the DNS did not answer every SPF question; run again, or check the resolver",
        details,
      };
    case "none":
      return {
        id: "spf",
        status: "fail",
        summary: `${domain} publishes no SPF record`,
        fix: `publish TXT ${domain} "${record}" (ipv6-mail's DNS plan does)`,
        details,
      };
    case "permerror":
      return {
        id: "spf",
        status: "fail",
        summary: `SPF of ${domain} is broken: permerror${because}`,
        fix: `correct the SPF record of ${domain}, e.g. "${record}"`,
        details,
      };
    default:
      return {
        id: "spf",
        status: "fail",
        summary: `SPF of ${domain} gives ${evaluation.result} for ${smtpAddress}${because}`,
        fix: `add ip6:${prefix} to the SPF record of ${domain} (ipv6-mail's spfRecord output has it)`,
        details,
      };
  }
}
