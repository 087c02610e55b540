/**
 * Quoting helpers for the shell text the renderers produce. Every value that reaches a script goes through
 * one of these, so a value can never be read by bash as code.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes a value as one bash word. Plain words (addresses, interface names, paths) stay readable; anything
 * else is single-quoted, which bash never expands.
 *
 * @example
 * shellQuote("he-ipv6"); // he-ipv6
 * shellQuote("it's"); // 'it'\''s'
 */
export function shellQuote(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The delimiter of every heredoc the renderers write; file contents must not contain it as a whole line. */
export const HEREDOC_TAG = "IPV6_MAIL_EOF";

/**
 * A quoted heredoc (`<<'TAG'` … `TAG`) that feeds `content` verbatim to a command's stdin. Quoted, so bash
 * expands nothing inside: file contents are written exactly as rendered. The content always ends with one
 * newline.
 *
 * @throws Error when a line of `content` equals the delimiter (the heredoc would end early).
 */
export function heredoc(content: string): string {
  const body = content.endsWith("\n") ? content : `${content}\n`;
  if (body.split("\n").some((line) => line === HEREDOC_TAG)) {
    throw new Error(`host-config: file content contains the heredoc delimiter line "${HEREDOC_TAG}"`);
  }
  return `<<'${HEREDOC_TAG}'\n${body}${HEREDOC_TAG}`;
}

/**
 * A host path as a double-quoted bash word under `$IPV6_MAIL_ROOT`. The root is empty on a real host; tests
 * and image builds point it at a staging directory so a script can run without touching the machine's /etc.
 */
export function hostPath(path: string): string {
  if (!path.startsWith("/") || /["$`\\\s]/.test(path)) {
    throw new Error(`host-config: "${path}" is not an absolute path without quotes, spaces or $`);
  }
  return `"$IPV6_MAIL_ROOT${path}"`;
}

/**
 * A bash identifier made from a free-form name ("HE tunnel" -> "he_tunnel"), for section function names.
 */
export function shellIdentifier(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (id === "") throw new Error(`host-config: "${name}" cannot be turned into a section name`);
  return /^[0-9]/.test(id) ? `s_${id}` : id;
}
