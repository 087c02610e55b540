/**
 * Whether the lab tests are to be skipped: only when IPV6_MAIL_SKIP_LAB=1. Anywhere else a lab that cannot
 * start fails the tests, so a broken lab is never mistaken for a green one.
 */
export function labSkipReason(): string | undefined {
  return process.env.IPV6_MAIL_SKIP_LAB === "1"
    ? "lab tests skipped: IPV6_MAIL_SKIP_LAB=1 (they need qemu and the lab image; see lab/lab.sh)"
    : undefined;
}
