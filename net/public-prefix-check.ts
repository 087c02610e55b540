import { ConfigProblem } from "./config-problem";
import { describeIpv6AddressKind, ipv6AddressKind } from "./address-kind";
import { IpParseError } from "./ip-parse-error";
import { parseIpv6Address, parseIpv6Prefix } from "./ip-prefix";

/** Options of the public-address checks. */
export interface PublicCheckOptions {
  /**
   * Accept the documentation ranges. Only lab and test stacks set this: a real mail host numbered from
   * 2001:db8::/32 is unreachable and its PTR can never be delegated.
   */
  allowDocumentation?: boolean;
  /** The prefix length that the field requires, e.g. 64 for a mail host's dedicated prefix. */
  requiredLength?: number;
}

/** Problems of an address or prefix's kind; `text` is its canonical form, `value` what the user gave. */
function kindProblems(
  text: string,
  value: unknown,
  field: string,
  options: PublicCheckOptions,
): ConfigProblem[] {
  const kind = ipv6AddressKind(text);
  if (kind === "global-unicast") return [];
  if (kind === "documentation") {
    if (options.allowDocumentation) return [];
    return [
      {
        field,
        value,
        problem: `${text} lies in ${describeIpv6AddressKind(text)}, which is never routed on the internet`,
        fix: "use the prefix your tunnel broker or provider assigned; only lab/test stacks may set allowDocumentationPrefixes: true",
      },
    ];
  }
  return [
    {
      field,
      value,
      problem: `${text} is ${describeIpv6AddressKind(text)}, not a public (global unicast) address`,
      fix: "use a global unicast prefix from 2000::/3, such as your HE routed /64 or your Hetzner server's /64",
    },
  ];
}

/**
 * Checks that a text is a public IPv6 prefix of the required length, aligned, and of a routable kind.
 * Returns problems rather than throwing so a component can report every bad field at once.
 *
 * @example
 * checkPublicIpv6Prefix("2001:db8:25::1/64", "routedPrefix", { requiredLength: 64 });
 * // [{ field: "routedPrefix", problem: "… has host bits set; the network is 2001:db8:25::/64", … }]
 */
export function checkPublicIpv6Prefix(
  text: unknown,
  field: string,
  options: PublicCheckOptions = {},
): ConfigProblem[] {
  if (!isGiven(text)) return [missingProblem(text, field, '"2001:470:1f0b:25::/64"', "an IPv6 prefix")];
  let prefixText: string;
  try {
    const prefix = parseIpv6Prefix(text);
    prefixText = prefix.text;
    if (options.requiredLength !== undefined && prefix.length !== options.requiredLength) {
      return [
        {
          field,
          value: text,
          problem: `is a /${prefix.length}, but a /${options.requiredLength} is needed here`,
          fix:
            prefix.length < options.requiredLength
              ? `give one /${options.requiredLength} out of it (or use routed48 with an allocation index for /48s)`
              : `give the whole /${options.requiredLength} that contains it (blocklists judge the whole /64)`,
        },
      ];
    }
  } catch (error) {
    return [parseProblem(error, text, field, "an IPv6 prefix such as 2001:470:1f0b:25::/64")];
  }
  return kindProblems(prefixText, text, field, options);
}

/** Checks that a text is a single public IPv6 address (see {@link checkPublicIpv6Prefix}). */
export function checkPublicIpv6Address(
  text: unknown,
  field: string,
  options: PublicCheckOptions = {},
): ConfigProblem[] {
  if (!isGiven(text)) return [missingProblem(text, field, '"2001:470:1f0b:25::25"', "an IPv6 address")];
  try {
    return kindProblems(parseIpv6Address(text), text, field, options);
  } catch (error) {
    return [parseProblem(error, text, field, "a single IPv6 address such as 2001:470:1f0b:25::25")];
  }
}

function isGiven(text: unknown): text is string {
  return typeof text === "string" && text.trim() !== "";
}

function missingProblem(text: unknown, field: string, example: string, what: string): ConfigProblem {
  return {
    field,
    value: text,
    problem: "is missing or not a string",
    fix: `give ${what} such as ${example}`,
  };
}

/** Turns a parser error into a problem that names the field. */
export function parseProblem(error: unknown, value: unknown, field: string, expected: string): ConfigProblem {
  const problem = error instanceof IpParseError ? error.message : String(error);
  return { field, value, problem, fix: `give ${expected}` };
}
