// The tunnel of seed 004 (a DigitalOcean FreeBSD droplet in Amsterdam), shared by the FreeBSD host-config tests.
import type { TunnelSpec } from "../../../host-config";

/** Seed 004's tunnel as its rc.conf shows it: HE's Amsterdam server, the link /64, the routed /64's ::215. */
export const SEED_004: TunnelSpec = {
  heServerIpv4: "216.66.84.46",
  localIpv4: "188.166.79.215",
  linkClientAddress: "2001:470:1f14:106a::2",
  linkServerAddress: "2001:470:1f14:106a::1",
  routedPrefix: "2001:470:1f15:106a::/64",
  smtpAddress: "2001:470:1f15:106a::215",
  providerDefaultRoute: "keep",
};
