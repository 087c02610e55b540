import { isDeepStrictEqual } from "node:util";
import { MailServer } from "../components";
import { CapturedResource, runProgram } from "../testing/capture";
import {
  fleetHetznerArgs,
  fleetHostArgs,
  fleetIpv4,
  fleetProviderOutputs,
  fleetResourceName,
} from "./mail-fleet";

/**
 * The registrations of fleet hosts without running thousands of them through the Pulumi runtime: one real
 * MailServer of each kind is run under the test harness (the capture the pack's tests use) with a marker host
 * number, and each clone substitutes its own number into every form the marker takes (decimal in names, hex
 * in compressed and expanded addresses, reversed nibbles in PTR names, IPv4). {@link checkTemplates} proves the
 * substitution against fresh captures, so a clone is exactly what the component registers for that host.
 */

/** The host number the templates are captured with; distinctive in decimal and in hex. */
const MARK = 0x7e57;
const MARK_PATTERN = /[0-9a-f]7e57|7\.5\.e\.7|7e57|198\.18\.126\.87|32343/g;

/** The captured resources of one marker host, as JSON, without the stack resource. */
export interface Templates {
  readonly digitalocean: string;
  readonly hetzner: string;
  readonly stackUrn: string;
}

async function capture(kind: "digitalocean" | "hetzner", i: number): Promise<CapturedResource[]> {
  const args = kind === "digitalocean" ? fleetHostArgs(i) : fleetHetznerArgs(i);
  const captured = await runProgram(() => new MailServer(fleetResourceName(i), args), {
    outputs: fleetProviderOutputs,
  });
  return captured.resources;
}

/** Captures the marker host of both kinds (DigitalOcean + HE tunnel + Cloudflare; Hetzner + Cloudflare). */
export async function captureTemplates(): Promise<Templates> {
  const digitalocean = await capture("digitalocean", MARK);
  const hetzner = await capture("hetzner", MARK);
  const stack = digitalocean.find((r) => r.type === "pulumi:pulumi:Stack");
  if (!stack) throw new Error("bench: the captured program has no stack resource");
  const json = (rs: CapturedResource[]) => JSON.stringify(rs.filter((r) => r.type !== "pulumi:pulumi:Stack"));
  return { digitalocean: json(digitalocean), hetzner: json(hetzner), stackUrn: stack.urn };
}

/** The template's resources for host `j` (1..65535). */
export function instantiate(template: string, j: number): CapturedResource[] {
  if (!Number.isInteger(j) || j < 1 || j > 0xffff)
    throw new RangeError(`bench: host number ${j} out of range`);
  const h = j.toString(16);
  const padded = h.padStart(4, "0");
  const nibbles = [...padded].reverse().join(".");
  const text = template.replace(MARK_PATTERN, (m) => {
    if (m === "32343") return String(j);
    if (m === "7.5.e.7") return nibbles;
    if (m === "7e57") return h;
    if (m.endsWith("7e57")) return `${m[0]}${padded}`;
    return fleetIpv4(j);
  });
  return JSON.parse(text) as CapturedResource[];
}

/**
 * Proves {@link instantiate} against real captures of the same hosts; throws naming the first difference.
 * Run once per bench run, so a component change that adds a new form of the host number is caught.
 */
export async function checkTemplates(
  templates: Templates,
  hosts: readonly number[] = [5, 0x1a2],
): Promise<void> {
  for (const kind of ["digitalocean", "hetzner"] as const) {
    for (const j of hosts) {
      const real = (await capture(kind, j)).filter((r) => r.type !== "pulumi:pulumi:Stack");
      const cloned = instantiate(templates[kind], j);
      const plain = JSON.parse(JSON.stringify(real)) as CapturedResource[];
      if (!isDeepStrictEqual(plain, cloned)) {
        const at = plain.findIndex((r, k) => !isDeepStrictEqual(r, cloned[k]));
        throw new Error(
          `bench: cloning the ${kind} template for host ${j} differs from a real capture at resource ${at}:\n` +
            `real:   ${JSON.stringify(plain[at])?.slice(0, 2000)}\ncloned: ${JSON.stringify(cloned[at])?.slice(0, 2000)}`,
        );
      }
    }
  }
}
