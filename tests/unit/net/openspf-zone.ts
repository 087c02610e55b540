/**
 * The openspf RFC 7208 test suite (fixtures/openspf/rfc7208-tests.yml, see its README) as data: its scenarios,
 * and a DNS source that answers from a scenario's zone data alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { SpfDnsAnswer, SpfDnsSource, SpfQueryType, SpfRecordData } from "../../../net";
import { repoRoot } from "../../../lab-driver/repo-root";

/** One test of the suite: a client and the result(s) RFC 7208 allows for it. */
export interface OpenspfTest {
  readonly id: string;
  readonly description?: string;
  readonly spec: string;
  readonly host: string;
  readonly mailfrom: string;
  readonly helo: string;
  /** The acceptable results (the suite gives one, or a list when RFC 7208 allows several). */
  readonly results: readonly string[];
  readonly explanation?: string;
}

/** One scenario: zone data and the tests that run against it. */
export interface OpenspfScenario {
  readonly description: string;
  readonly zonedata: Readonly<Record<string, readonly unknown[]>>;
  readonly tests: readonly OpenspfTest[];
}

/** The suite file as committed (the YAML is the source; nothing is converted). */
export const SUITE_FILE = path.join(repoRoot(), "tests/unit/net/fixtures/openspf/rfc7208-tests.yml");

/** Every scenario of the suite, in file order. */
export function loadOpenspfSuite(file = SUITE_FILE): OpenspfScenario[] {
  const documents = parseAllDocuments(fs.readFileSync(file, "utf8"));
  if (!Array.isArray(documents)) throw new Error(`${file}: not a YAML stream`);
  return documents.map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
    const data = document.toJS() as {
      description: string;
      zonedata?: Record<string, unknown[]>;
      tests: Record<string, Omit<OpenspfTest, "id" | "results"> & { result: string | string[] }>;
    };
    return {
      description: data.description,
      zonedata: data.zonedata ?? {},
      tests: Object.entries(data.tests).map(([id, t]) => ({
        ...t,
        id,
        mailfrom: t.mailfrom ?? "",
        results: ([] as string[]).concat(t.result),
      })),
    };
  });
}

const QUERY_TYPES: readonly SpfQueryType[] = ["TXT", "A", "AAAA", "MX", "PTR"];

/** A name's records as the zone data gives them, by type, plus the types (or all) that time out. */
interface ZoneName {
  readonly records: Map<string, SpfRecordData[]>;
  readonly timesOut: Set<string>;
  readonly cname?: string;
}

function zoneName(entries: readonly unknown[]): ZoneName {
  const records = new Map<string, SpfRecordData[]>();
  const timesOut = new Set<string>();
  const spf: SpfRecordData[] = [];
  let hasTxt = false;
  let cname: string | undefined;
  for (const entry of entries) {
    if (entry === "TIMEOUT") {
      // A name's TIMEOUT stands for the types that have no records listed before it.
      for (const type of QUERY_TYPES) if (!records.has(type)) timesOut.add(type);
      continue;
    }
    for (const [type, value] of Object.entries(entry as Record<string, unknown>)) {
      if (type === "TXT") hasTxt = true;
      if (value === "TIMEOUT") {
        timesOut.add(type);
        continue;
      }
      if (value === "NONE") continue;
      if (type === "CNAME") {
        cname = String(value).replace(/\.$/, "");
        continue;
      }
      const data: SpfRecordData =
        type === "MX"
          ? { priority: Number((value as unknown[])[0]), exchange: String((value as unknown[])[1]) }
          : Array.isArray(value)
            ? value.map(String)
            : String(value);
      if (type === "SPF") spf.push(data);
      else records.set(type, [...(records.get(type) ?? []), data]);
    }
  }
  // The suite writes most policies as type SPF and expects drivers to publish them as TXT as well, unless the
  // name has TXT data of its own (the suite's header; RFC 7208 §3.1 made type SPF obsolete).
  if (!hasTxt && spf.length > 0) records.set("TXT", spf);
  return { records, timesOut, cname };
}

/**
 * The DNS of a scenario: the zone data is the whole of it. A name it does not list does not exist
 * (`nxdomain`), a listed name without records of the asked type has none (`nodata`), `TIMEOUT` is a server
 * failure (for one type, or for a name's types that no record listed before it answers), and a CNAME is followed (once per step, at most 8 steps, a loop
 * being a server failure as a resolver would report it). Names are compared without case and trailing dot.
 */
export function zoneDataSource(zonedata: Readonly<Record<string, readonly unknown[]>>): SpfDnsSource {
  const zone = new Map<string, ZoneName>();
  for (const [name, entries] of Object.entries(zonedata))
    zone.set(name.toLowerCase().replace(/\.$/, ""), zoneName(entries));
  const answer = (name: string, type: SpfQueryType, depth: number): SpfDnsAnswer => {
    const found = zone.get(name.toLowerCase().replace(/\.$/, ""));
    if (!found) return "nxdomain";
    if (found.timesOut.has(type)) return "timeout";
    if (found.cname !== undefined) return depth >= 8 ? "timeout" : answer(found.cname, type, depth + 1);
    return found.records.get(type) ?? "nodata";
  };
  return (name, type) => answer(name, type, 0);
}
