/**
 * Compiles a resource glob: `*` matches any run of characters, `?` one character, everything else literally.
 * Exceptions name resources by logical name (`mail-droplet`) or by URN glob
 * (`urn:pulumi:prod::mail::*::mail-*`).
 *
 * @example
 * globToRegExp("mail-*").test("mail-fra1"); // true
 */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}
