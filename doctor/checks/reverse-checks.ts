import { parseIpv6Address, ptrOwnerName } from "../../net";
import type { DoctorCheck } from "../doctor-report";
import { type DnsAnswer, normalName, recordsOf } from "../dns-lookup";

/** The PTR of the SMTP address: receivers such as Gmail reject IPv6 senders without one (550-5.7.1). */
export function ptrCheck(smtpAddress: string, hostName: string, answer: DnsAnswer<string>): DoctorCheck {
  const names = recordsOf(answer).map(normalName);
  const details = { address: smtpAddress, ptrName: ptrOwnerName(smtpAddress), names };
  if (names.length === 0) {
    return {
      id: "ptr",
      status: "fail",
      summary: `${smtpAddress} has no PTR record (${"failure" in answer ? answer.failure : "none"})`,
      fix: `set the PTR of ${smtpAddress} to ${hostName} (HE tunnel: delegate the /64's rDNS at tunnelbroker.net to the DNS serving ipv6-mail's reverse zone; provider /64: its rDNS setting)`,
      details,
    };
  }
  if (!names.includes(hostName)) {
    return {
      id: "ptr",
      status: "warn",
      summary: `PTR of ${smtpAddress}: ${names.join(", ")}, not ${hostName}`,
      fix: `set the PTR to ${hostName}, the name the MTA says in HELO, or make the HELO name the PTR's`,
      details,
    };
  }
  return { id: "ptr", status: "ok", summary: `PTR of ${smtpAddress}: ${names.join(", ")}`, details };
}

/**
 * Forward-confirmed reverse DNS: a PTR name of the SMTP address must have the address among its AAAA records
 * (what Postfix's reject_unknown_client_hostname and Gmail check).
 */
export function fcrdnsCheck(
  smtpAddress: string,
  ptrNames: readonly string[],
  forward: ReadonlyMap<string, DnsAnswer<string>>,
): DoctorCheck {
  const confirmed = ptrNames.filter((name) =>
    recordsOf(forward.get(name) ?? { records: [] }).some((a) => parseIpv6Address(a) === smtpAddress),
  );
  const details = {
    address: smtpAddress,
    names: ptrNames.map((name) => ({
      name,
      addresses: [...recordsOf(forward.get(name) ?? { records: [] })],
    })),
  };
  if (ptrNames.length === 0) {
    return {
      id: "fcrdns",
      status: "fail",
      summary: `${smtpAddress} has no PTR, so its name cannot resolve back to it`,
      fix: `publish the PTR of ${smtpAddress} (see ptr) and an AAAA of that name with ${smtpAddress}`,
      details,
    };
  }
  if (confirmed.length === 0) {
    return {
      id: "fcrdns",
      status: "fail",
      summary: `no PTR name of ${smtpAddress} (${ptrNames.join(", ")}) has ${smtpAddress} among its AAAA records`,
      fix: `publish AAAA ${ptrNames[0]} ${smtpAddress}`,
      details,
    };
  }
  return { id: "fcrdns", status: "ok", summary: `${confirmed[0]} resolves back to ${smtpAddress}`, details };
}
