import { SpfDnsSource, SpfMxData } from "../../net";
import { DnsIndex } from "./dns-index";

/**
 * The stack's DNS as an SPF evaluation asks it, for judging one SPF record: that record is the TXT of its
 * name, other questions are answered with the records the stack publishes, and everything else is
 * `cannot-know` (the evaluation is then `unknown`, not `fail`): a name the stack publishes nothing of that type
 * for may have records elsewhere (the zone is not only the stack's, an `include:` points at another domain),
 * and a record whose name or content is unknown at preview could be the answer.
 *
 * A known answer is the stack's records only. That can make a record look stricter than the real DNS (records
 * outside the stack could also match), never more permissive: a `pass` needs a record the stack publishes.
 */
export function stackSpfDns(
  dns: DnsIndex,
  judged: { readonly name: string; readonly text: string },
): SpfDnsSource {
  return (name, type) => {
    if (type === "TXT" && name.toLowerCase().replace(/\.$/, "") === judged.name) return [judged.text];
    if (dns.unknownNamed(type).length > 0) return "cannot-know";
    const records = dns.lookup(type, name);
    const contents: string[] = [];
    for (const r of records) {
      if (typeof r.content !== "string") return "cannot-know";
      contents.push(r.content);
    }
    if (contents.length === 0) return "cannot-know";
    return type === "MX" ? contents.map((exchange): SpfMxData => ({ exchange, priority: 0 })) : contents;
  };
}
