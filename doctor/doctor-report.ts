/**
 * A check's verdict: `ok` passed; `fail` a receiver would reject or mark the mail (exit status 1);
 * `warn` worth a look but not a rejection by itself, or the doctor could not find out (a DNSBL that refused
 * the query); `skip` not applicable (no tunnel on the host, host checks turned off).
 */
export type CheckStatus = "ok" | "fail" | "warn" | "skip";

/** One line of the doctor's verdict. */
export interface DoctorCheck {
  /** Stable id for machines: `source-address`, `mx`, `a`, `aaaa`, `ptr`, `fcrdns`, `spf`, `dkim`, `dmarc`, `dnsbl`, `tunnel`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found, one sentence for people. */
  readonly summary: string;
  /** For `fail` and `warn`: what to do about it. */
  readonly fix?: string;
  /** The data behind the verdict (addresses, records, answers), for machines; the shape depends on the id. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The `--json` document: what a monitoring system reads (documented in the README). */
export interface DoctorReport {
  /** Version of this shape; changes only incompatibly with a new number. */
  readonly version: 1;
  readonly hostName: string;
  /** The SMTP address: the AAAA of the host name the checks judged (null without one). */
  readonly smtpAddress: string | null;
  /** True when no check failed (the exit status is 0). */
  readonly ok: boolean;
  readonly counts: Readonly<Record<CheckStatus, number>>;
  readonly checks: readonly DoctorCheck[];
}

/** Builds the report of a run from its checks, in the order they ran. */
export function doctorReport(
  hostName: string,
  smtpAddress: string | null,
  checks: readonly DoctorCheck[],
): DoctorReport {
  const counts: Record<CheckStatus, number> = { ok: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return { version: 1, hostName, smtpAddress, ok: counts.fail === 0, counts, checks };
}

/** The exit status of a run: 0 when nothing failed, 1 otherwise (2, a usage error, never gets this far). */
export function doctorExitCode(report: DoctorReport): 0 | 1 {
  return report.ok ? 0 : 1;
}

const LABEL: Record<CheckStatus, string> = { ok: "ok  ", fail: "FAIL", warn: "warn", skip: "skip" };

/**
 * The report for people: one line per check (`ok`, `FAIL`, `warn`, `skip`, the id, what was found), each
 * failure and warning followed by its fix, and a last line with the counts.
 */
export function formatDoctorText(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.id.length), 6);
  const lines = [`ipv6-mail doctor: ${report.hostName} (SMTP address ${report.smtpAddress ?? "unknown"})`];
  for (const c of report.checks) {
    lines.push(`${LABEL[c.status]}  ${c.id.padEnd(width)}  ${c.summary}`);
    if (c.fix !== undefined && (c.status === "fail" || c.status === "warn")) {
      lines.push(`${" ".repeat(width + 8)}fix: ${c.fix}`);
    }
  }
  const { ok, fail, warn, skip } = report.counts;
  lines.push(
    `${report.ok ? "passed" : "FAILED"}: ${ok} ok, ${fail} failed, ${warn} warnings, ${skip} skipped`,
  );
  return `${lines.join("\n")}\n`;
}
