import { promises as dns } from "node:dns";

import type { SpfDnsAnswer, SpfDnsSource } from "../net";

/** Why a question got no records: no such name, no record of that type, or the server could not answer. */
export type DnsFailure = "nxdomain" | "nodata" | "servfail" | "refused" | "timeout" | "error";

/** The answer to one question: its records, or why there are none. */
export type DnsAnswer<T> =
  | { readonly records: readonly T[] }
  | { readonly failure: DnsFailure; readonly message: string };

/** The record types the doctor asks for, with the shape of their data. */
export interface DnsRecordData {
  A: string;
  AAAA: string;
  MX: { exchange: string; priority: number };
  /** Each TXT record's character-strings. */
  TXT: string[];
  PTR: string;
}

const FAILURES: Record<string, DnsFailure> = {
  ENOTFOUND: "nxdomain",
  ENODATA: "nodata",
  ESERVFAIL: "servfail",
  EREFUSED: "refused",
  ETIMEOUT: "timeout",
  ECONNREFUSED: "timeout",
};

/**
 * The doctor's DNS: real queries to one resolver (`--resolver`) or the system's, each answer kept with its
 * failure kind, because the checks judge NXDOMAIN (a clean DNSBL entry, a missing PTR) differently from a
 * server failure (nothing can be said).
 */
export class DoctorDns {
  private readonly resolver: dns.Resolver;

  constructor(server: string | undefined, timeoutSeconds: number) {
    this.resolver = new dns.Resolver({ timeout: Math.round(timeoutSeconds * 1000), tries: 2 });
    if (server !== undefined) this.resolver.setServers([server]);
  }

  /** Asks one question. */
  async query<K extends keyof DnsRecordData>(name: string, type: K): Promise<DnsAnswer<DnsRecordData[K]>> {
    try {
      const records = (await this.resolver.resolve(name, type as never)) as unknown as DnsRecordData[K][];
      return records.length === 0
        ? { failure: "nodata", message: `${type} ${name}: no records` }
        : { records };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "";
      return {
        failure: FAILURES[code] ?? "error",
        message: `${type} ${name}: ${code || (e as Error).message}`,
      };
    }
  }

  /**
   * The resolver as an SPF evaluation's DNS source (`net/spf-evaluation.ts`): NXDOMAIN and no-data as such,
   * every server failure as a timeout (a temperror, RFC 7208 §5).
   */
  spfSource(): SpfDnsSource {
    return async (name, type): Promise<SpfDnsAnswer> => {
      const answer = await this.query(name, type as keyof DnsRecordData);
      if ("records" in answer) return answer.records as SpfDnsAnswer;
      if (answer.failure === "nxdomain" || answer.failure === "nodata") return answer.failure;
      return "timeout";
    };
  }
}

/** The records of an answer, or none. */
export function recordsOf<T>(answer: DnsAnswer<T>): readonly T[] {
  return "records" in answer ? answer.records : [];
}

/** The PTR owner name's answer names lower-cased and without a trailing dot. */
export function normalName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}
