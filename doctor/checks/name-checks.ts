import type { DoctorCheck } from "../doctor-report";
import { type DnsAnswer, normalName, recordsOf, type DnsRecordData } from "../dns-lookup";

/** The DNS answers the forward-name checks judge. */
export interface NameAnswers {
  readonly mx: DnsAnswer<DnsRecordData["MX"]>;
  readonly a: DnsAnswer<string>;
  readonly aaaa: DnsAnswer<string>;
}

function failureText(answer: DnsAnswer<unknown>): string {
  return "failure" in answer ? answer.failure : "records";
}

/** MX of the zone: there must be one (mail to the domain has to arrive somewhere); naming another host is fine. */
export function mxCheck(zone: string, hostName: string, answer: NameAnswers["mx"]): DoctorCheck {
  const mx = [...recordsOf(answer)].sort((x, y) => x.priority - y.priority);
  const details = {
    zone,
    records: mx.map((r) => ({ priority: r.priority, exchange: normalName(r.exchange) })),
  };
  if (mx.length === 0) {
    return {
      id: "mx",
      status: "fail",
      summary: `${zone} has no MX record (${failureText(answer)})`,
      fix: `publish MX 10 ${hostName}. for ${zone} (ipv6-mail's DNS plan does)`,
      details,
    };
  }
  if (mx.length === 1 && normalName(mx[0].exchange) === "") {
    return {
      id: "mx",
      status: "warn",
      summary: `${zone} has a null MX (RFC 7505): it accepts no mail`,
      fix: `publish MX 10 ${hostName}. if the domain receives mail`,
      details,
    };
  }
  const list = mx.map((r) => `${r.priority} ${normalName(r.exchange)}`).join(", ");
  if (!mx.some((r) => normalName(r.exchange) === hostName)) {
    return {
      id: "mx",
      status: "warn",
      summary: `MX of ${zone}: ${list}; none is ${hostName}`,
      fix: `fine if another host receives mail for ${zone}; else publish MX 10 ${hostName}.`,
      details,
    };
  }
  return { id: "mx", status: "ok", summary: `MX of ${zone}: ${list}`, details };
}

/** A of the host name: not needed to send over IPv6, but IPv4-only receivers and the stack's SSH use it. */
export function aCheck(hostName: string, answer: NameAnswers["a"]): DoctorCheck {
  const a = recordsOf(answer);
  if (a.length === 0) {
    return {
      id: "a",
      status: "warn",
      summary: `${hostName} has no A record (${failureText(answer)}): an IPv6-only host`,
      fix: `publish A ${hostName} <the host's IPv4 address> unless the host is IPv6-only on purpose`,
      details: { addresses: [] },
    };
  }
  return { id: "a", status: "ok", summary: `A ${hostName}: ${a.join(", ")}`, details: { addresses: a } };
}

/** AAAA of the host name: the SMTP address receivers compare the PTR and the connection with. */
export function aaaaCheck(hostName: string, answer: NameAnswers["aaaa"]): DoctorCheck {
  const aaaa = recordsOf(answer);
  if (aaaa.length === 0) {
    return {
      id: "aaaa",
      status: "fail",
      summary: `${hostName} has no AAAA record (${failureText(answer)}): there is no SMTP address to check`,
      fix: `publish AAAA ${hostName} <the SMTP address of the dedicated /64> (ipv6-mail's DNS plan does)`,
      details: { addresses: [] },
    };
  }
  return {
    id: "aaaa",
    status: "ok",
    summary: `AAAA ${hostName}: ${aaaa.join(", ")}`,
    details: { addresses: aaaa },
  };
}
