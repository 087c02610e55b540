import { AccessArgs, checkAccessArgs } from "../hosts/access-args";
import { ConfigProblem } from "../../net";

/** The host firewall's settings beyond who may connect. */
export interface FirewallSettings extends AccessArgs {
  /**
   * Answer IPv6 connections to port 25 with a TCP reset, so that clients fall back to IPv4 at once instead of
   * timing out. For hosts that receive mail over IPv4 only.
   */
  rejectSmtpOverIpv6?: boolean;
  /**
   * Seconds after which a newly loaded ruleset is rolled back unless a fresh SSH connection confirms that the
   * host is still reachable (default 60).
   */
  rollbackSeconds?: number;
}

/** Checks firewall settings; fields are prefixed with `fieldPrefix` (e.g. `firewall.`). */
export function checkFirewallSettings(
  settings: FirewallSettings | undefined,
  fieldPrefix: string,
): ConfigProblem[] {
  const problems = checkAccessArgs(settings, fieldPrefix);
  const seconds = settings?.rollbackSeconds;
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 10 || seconds > 600)) {
    problems.push({
      field: `${fieldPrefix}rollbackSeconds`,
      value: seconds,
      problem: "must be a whole number of seconds from 10 to 600",
      fix: "use 60: long enough for the confirming SSH connection, short enough to recover fast",
    });
  }
  return problems;
}
