import { dkimRecordName, dkimRecordText } from "../../net";
import type { DoctorCheck } from "../doctor-report";
import { type DnsAnswer, recordsOf } from "../dns-lookup";

/** The tags of a DKIM key record (RFC 6376 §3.6.1), or undefined when it is not one. */
export function parseDkimKeyRecord(text: string): Readonly<Record<string, string>> | undefined {
  const tags: Record<string, string> = {};
  for (const part of text.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (part.trim() !== "") return undefined;
      continue;
    }
    tags[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).replace(/\s+/g, "");
  }
  if (tags.v !== undefined && tags.v !== "DKIM1") return undefined;
  return tags.p === undefined ? undefined : tags;
}

/** What the DKIM check knows from the host. */
export interface HostDkim {
  /** Domain and selector the host's OpenDKIM signs with, if it does. */
  readonly signing?: { readonly domain: string; readonly selector: string };
  /** Public keys of the host's keys, by selector; undefined when the host was not asked (no SSH). */
  readonly keys?: Readonly<Record<string, string>>;
}

/**
 * DKIM: the selector's `_domainkey` TXT is published, is a key record, and its `p=` is the public half of the
 * key the host signs with (a record of an old or another key makes every signature fail).
 */
export function dkimCheck(
  domain: string,
  selector: string | undefined,
  host: HostDkim,
  answer: DnsAnswer<string[]> | undefined,
): DoctorCheck {
  if (selector === undefined || answer === undefined) {
    return {
      id: "dkim",
      status: "warn",
      summary:
        host.keys === undefined
          ? "no DKIM selector to check (no --dkim-selector, host not asked)"
          : "the host does not sign with DKIM (no OpenDKIM configuration of ipv6-mail)",
      fix: "enable DKIM signing (MailServer's DKIM settings), or give --dkim-selector for a signer of your own; without DKIM only SPF can make DMARC pass",
      details: { domain, selector: null },
    };
  }
  const name = dkimRecordName(selector, domain);
  const texts = recordsOf(answer).map((strings) => strings.join(""));
  const keys = texts.map(parseDkimKeyRecord).filter((t) => t !== undefined);
  const hostKey = host.keys?.[selector];
  const details = { domain, selector, name, published: texts, hostKeyKnown: hostKey !== undefined };
  const publish =
    hostKey !== undefined
      ? `publish TXT ${name} "${dkimRecordText(hostKey)}" (split into 255-byte strings)`
      : `publish the public key of selector ${selector} as TXT ${name}`;
  if (keys.length === 0) {
    return {
      id: "dkim",
      status: "fail",
      summary: `${name} has no DKIM key record (${"failure" in answer ? answer.failure : texts.length + " other TXT"})`,
      fix: publish,
      details,
    };
  }
  if (keys.some((k) => k.p === "")) {
    return { id: "dkim", status: "fail", summary: `${name} is revoked (empty p=)`, fix: publish, details };
  }
  if (host.keys !== undefined && hostKey === undefined) {
    return {
      id: "dkim",
      status: "fail",
      summary: `${name} is published but the host has no key of selector ${selector}`,
      fix: `sign with a selector whose key is on the host, or make the key of ${selector} there`,
      details,
    };
  }
  if (hostKey === undefined) {
    return {
      id: "dkim",
      status: "warn",
      summary: `${name} is published; not compared with the host's key (host not asked)`,
      fix: "run with SSH access to compare the record with the host's key",
      details,
    };
  }
  if (!keys.some((k) => k.p === hostKey)) {
    return {
      id: "dkim",
      status: "fail",
      summary: `${name} publishes another key than the one the host signs with: receivers see dkim=fail`,
      fix: publish,
      details,
    };
  }
  return {
    id: "dkim",
    status: "ok",
    summary: `${name} publishes the host's key of selector ${selector}`,
    details,
  };
}
