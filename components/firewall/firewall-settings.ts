import { AccessArgs, checkAccessArgs } from "../hosts/access-args";
import { checkSetting, ConfigProblem, FIREWALL_ROLLBACK_SECONDS } from "../../net";

/** The host firewall's settings beyond who may connect. */
export interface FirewallSettings extends AccessArgs {
  /**
   * Answer IPv6 connections to port 25 with a TCP reset, so that clients fall back to IPv4 at once instead of
   * timing out. For hosts that receive mail over IPv4 only.
   */
  rejectSmtpOverIpv6?: boolean;
  /**
   * Seconds after which a newly loaded ruleset is rolled back unless a fresh SSH connection confirms that the
   * host is still reachable: 10..600, default 60 ({@link FIREWALL_ROLLBACK_SECONDS}).
   */
  rollbackSeconds?: number;
}

/** Checks firewall settings; fields are prefixed with `fieldPrefix` (e.g. `firewall.`). */
export function checkFirewallSettings(
  settings: FirewallSettings | undefined,
  fieldPrefix: string,
): ConfigProblem[] {
  return [
    ...checkAccessArgs(settings, fieldPrefix),
    ...checkSetting(FIREWALL_ROLLBACK_SECONDS, settings?.rollbackSeconds, `${fieldPrefix}rollbackSeconds`),
  ];
}
