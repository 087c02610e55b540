/** DNS names compare case-insensitively and without the trailing dot. */
export function normalizeDnsName(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/** The name and every parent domain with at least two labels: `mail.example.com` → itself, `example.com`. */
export function selfAndParents(name: string): string[] {
  const labels = normalizeDnsName(name).split(".");
  const out: string[] = [];
  for (let i = 0; i + 2 <= labels.length; i++) out.push(labels.slice(i).join("."));
  return out;
}

/** Whether a name looks like a fully qualified host name (at least two labels, letters/digits/hyphens). */
export function isFqdn(name: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i.test(
    normalizeDnsName(name),
  );
}

/**
 * Joins a TXT record's content the way resolvers do: quoted character-strings are concatenated without
 * spaces (RFC 7208 §3.3), an unquoted value is taken as is.
 */
export function joinTxt(content: string): string {
  const quoted = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, "$1"));
  return quoted.length > 0 ? quoted.join("") : content.trim();
}
