import { checkSetting, ConfigProblem, oneOfSetting } from "../../net";

/**
 * The operating system of the mail host, which decides the scripts that configure it; a named choice (a const
 * object and its union), so that other Pulumi languages get it as an enum.
 */
export const HostOs = {
  /** Debian 12 or Ubuntu 24.04 (systemd-networkd, nftables, apt, bash): the host scripts proven in the lab. */
  Debian: "debian",
  /** FreeBSD 14 (rc.conf, a gif tunnel, pf, pkg, POSIX sh): rendered from the same specs, not proven in a kernel. */
  Freebsd: "freebsd",
} as const;
/** One of {@link HostOs}'s values. */
export type HostOs = (typeof HostOs)[keyof typeof HostOs];

/** The `os` setting of a host: which scripts configure it. */
export const HOST_OS = oneOfSetting({
  values: Object.values(HostOs),
  default: HostOs.Debian,
  fix: 'use "debian" (Debian 12 or Ubuntu 24.04) or "freebsd"',
});

/** Checks an `os` setting; `field` is its full name (`digitalocean.os`, `existing.os`). */
export function checkHostOs(value: unknown, field: string): ConfigProblem[] {
  return checkSetting(HOST_OS, value, field);
}

/** The OS a host setting names, its default when unset (only valid values reach here: checked first). */
export function hostOsOf(settings: { os?: HostOs } | undefined): HostOs {
  return settings?.os ?? HostOs.Debian;
}
