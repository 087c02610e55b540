import { parseIpv6Address } from "../net";
import { ptrOwnerName } from "../net";
import { dkimCheck } from "./checks/dkim-check";
import { dmarcCheck } from "./checks/dmarc-check";
import { dnsblCheck, dnsblQueries, type DnsblLookup } from "./checks/dnsbl-check";
import { aaaaCheck, aCheck, mxCheck } from "./checks/name-checks";
import { fcrdnsCheck, ptrCheck } from "./checks/reverse-checks";
import { effectiveSource, sourceAddressCheck } from "./checks/source-address-check";
import { spfCheck } from "./checks/spf-check";
import { tunnelChecks } from "./checks/tunnel-check";
import type { DoctorOptions } from "./doctor-args";
import { type DoctorCheck, doctorReport, type DoctorReport } from "./doctor-report";
import { classifyDnsblAnswer } from "./dnsbl-answer";
import { DoctorDns, normalName, recordsOf } from "./dns-lookup";
import { HOST_PROBE_SCRIPT, type HostFacts, parseHostProbe } from "./host-probe";
import { runOverSsh } from "./ssh-command";

/** The host's answers, or why there are none. */
type HostOutcome = { readonly facts: HostFacts } | { readonly error: string } | undefined;

async function askHost(options: DoctorOptions): Promise<HostOutcome> {
  if (options.ssh === undefined) return undefined;
  const result = await runOverSsh(options.ssh, HOST_PROBE_SCRIPT, [options.routeTarget]);
  try {
    return { facts: parseHostProbe(result.stdout) };
  } catch (e) {
    const why =
      result.stderr.replace(/\r/g, "").trim().split("\n").slice(-2).join(" ") || (e as Error).message;
    return {
      error: `ssh ${options.ssh.user}@${options.ssh.host} -p ${options.ssh.port} (exit ${result.code}): ${why}`,
    };
  }
}

function skipped(id: string, why: string): DoctorCheck {
  return { id, status: "skip", summary: why };
}

/**
 * One doctor run: asks the host (over SSH) and the DNS (the resolver of `--resolver`) what receivers would
 * see, and judges it check by check. Nothing is changed anywhere; the only traffic is DNS queries, one SSH
 * session and, from the host, three pings to HE's end of each tunnel.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const dns = new DoctorDns(options.resolver, options.dnsTimeoutSeconds);
  const [host, mx, a, aaaa] = await Promise.all([
    askHost(options),
    dns.query(options.zone, "MX"),
    dns.query(options.hostName, "A"),
    dns.query(options.hostName, "AAAA"),
  ]);
  const facts = host !== undefined && "facts" in host ? host.facts : undefined;
  const source = facts === undefined ? undefined : effectiveSource(facts);
  const aaaaRecords = recordsOf(aaaa).map((x) => parseIpv6Address(x));
  const smtpAddress = aaaaRecords.find((x) => x === source) ?? aaaaRecords[0];

  const checks: DoctorCheck[] = [];
  if (host === undefined) checks.push(skipped("source-address", "host not asked (--no-ssh)"));
  else if ("error" in host) {
    checks.push({
      id: "source-address",
      status: "fail",
      summary: `could not ask the host: ${host.error}`,
      fix: "give the stack's SSH settings: --ssh <user@host> --ssh-port --ssh-key, and --host-key (its connection.hostKey) or --known-hosts",
    });
  } else checks.push(sourceAddressCheck(options.hostName, aaaaRecords, host.facts, options.routeTarget));
  checks.push(
    mxCheck(options.zone, options.hostName, mx),
    aCheck(options.hostName, a),
    aaaaCheck(options.hostName, aaaa),
  );

  const selector = options.dkimSelector ?? facts?.dkimSigning?.selector;
  const dkimDomain = facts?.dkimSigning?.domain ?? options.mailDomain;
  const dnsblAddresses = [...new Set([smtpAddress, source].filter((x): x is string => x !== undefined))];
  const [reverse, spf, dkimTxt, dmarcTxt, dnsbl] = await Promise.all([
    (async () => {
      if (smtpAddress === undefined) return undefined;
      const ptr = await dns.query(ptrOwnerName(smtpAddress), "PTR");
      const names = [...new Set(recordsOf(ptr).map(normalName))];
      const forward = new Map(
        await Promise.all(names.map(async (n) => [n, await dns.query(n, "AAAA")] as const)),
      );
      return { ptr, names, forward };
    })(),
    smtpAddress === undefined
      ? undefined
      : spfCheck(smtpAddress, options.hostName, options.mailFrom, dns.spfSource()),
    selector === undefined ? undefined : dns.query(`${selector}._domainkey.${dkimDomain}`, "TXT"),
    dns.query(`_dmarc.${options.mailDomain}`, "TXT"),
    Promise.all(
      options.dnsblZones.map(async (zone) => {
        const lookups: DnsblLookup[] = await Promise.all(
          dnsblQueries(zone, dnsblAddresses).map(async (q) => {
            const answer = await dns.query(q.queryName, "A");
            const listed = classifyDnsblAnswer(answer).verdict === "listed";
            return { ...q, answer, ...(listed ? { txt: await dns.query(q.queryName, "TXT") } : {}) };
          }),
        );
        return dnsblCheck(zone, lookups);
      }),
    ),
  ]);
  if (smtpAddress === undefined || reverse === undefined || spf === undefined) {
    checks.push(
      ...["ptr", "fcrdns", "spf"].map((id) =>
        skipped(id, `no SMTP address: ${options.hostName} has no AAAA`),
      ),
    );
  } else {
    checks.push(
      ptrCheck(smtpAddress, options.hostName, reverse.ptr),
      fcrdnsCheck(smtpAddress, reverse.names, reverse.forward),
      spf,
    );
  }
  checks.push(
    dkimCheck(
      dkimDomain,
      selector,
      {
        ...(facts?.dkimSigning ? { signing: facts.dkimSigning } : {}),
        ...(facts ? { keys: facts.dkimKeys } : {}),
      },
      dkimTxt,
    ),
    dmarcCheck(options.mailDomain, dmarcTxt),
  );
  if (dnsblAddresses.length === 0)
    checks.push(skipped("dnsbl", "no address to look up (no AAAA, host not asked)"));
  else checks.push(...dnsbl);
  if (facts === undefined)
    checks.push(
      skipped("tunnel", host === undefined ? "host not asked (--no-ssh)" : "host not reachable over SSH"),
    );
  else checks.push(...tunnelChecks(facts.tunnels));
  return doctorReport(options.hostName, smtpAddress ?? null, checks);
}
