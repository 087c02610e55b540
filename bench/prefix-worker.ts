/**
 * Child process for item 3 (prefix planning). Usage: node dist/bench/prefix-worker.js <reps>
 * Prints one `BENCH-RESULT {json}` line.
 */
import {
  DEFAULT_SMTP_INTERFACE_ID,
  hashedSubnetIndex,
  planSubnets,
  ptrOwnerName,
  serviceAddress,
  subnet64Of48,
  SubnetRequest,
  SUBNETS_PER_48,
} from "../net";
import { reportResult } from "./child-process";
import { elapsedMs } from "./stats";

/** The routed /48 every case plans in (HE's range; made up). */
const ROUTED_48 = "2001:470:8b2c::/48";

/** Wall and CPU milliseconds of each repetition of one case. */
export interface Samples {
  readonly wallMs: number[];
  readonly cpuMs: number[];
}

/** What the prefix-planning worker measured. */
export interface PrefixRunResult {
  /** `planSubnets` with all 65,536 /64s of the /48 pinned by index: the allocator and all its checks. */
  readonly allocateAll: Samples;
  /** The bare arithmetic of the same: `subnet64Of48` for every index (a reference, no checks). */
  readonly subnetOnly: Samples;
  /** `planSubnets` for 1,000 hashed host names, the colliding ones pinned to free indexes. */
  readonly plan1000: Samples;
  /** How many of the 1,000 hosts collided on their hash and were pinned. */
  readonly pinnedHosts: number;
  /** `ptrOwnerName` of the SMTP address of every /64 of the /48. */
  readonly ptr65536: Samples;
}

function timed(samples: Samples | undefined, run: () => unknown): void {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = run();
  const ms = elapsedMs(start);
  const used = process.cpuUsage(cpu);
  if (value === undefined) throw new Error("bench: a measured call returned nothing");
  samples?.wallMs.push(ms);
  samples?.cpuMs.push((used.user + used.system) / 1000);
}

/**
 * 1,000 hosts the way a team would write them after `planSubnets` told them which names collide: hashed
 * where the hash is free, an explicit free index for every later host on a taken one.
 */
export function thousandHosts(): SubnetRequest[] {
  const names = Array.from({ length: 1000 }, (_, i) => `mx${i}.tenant${i % 37}.example.net`);
  const hashed = names.map((n) => hashedSubnetIndex(n));
  const requested = new Set(hashed);
  const taken = new Set<number>();
  let free = 0;
  return names.map((name, i) => {
    if (!taken.has(hashed[i])) {
      taken.add(hashed[i]);
      return { name };
    }
    while (requested.has(free) || taken.has(free)) free++;
    taken.add(free);
    return { name, index: free };
  });
}

function main(): void {
  const reps = Number(process.argv[2] ?? "5");
  const everyIndex: SubnetRequest[] = Array.from({ length: SUBNETS_PER_48 }, (_, i) => ({
    name: `h${i}.example.net`,
    index: i,
  }));
  const hosts = thousandHosts();
  const addresses = Array.from({ length: SUBNETS_PER_48 }, (_, i) =>
    serviceAddress(subnet64Of48(ROUTED_48, i), DEFAULT_SMTP_INTERFACE_ID),
  );
  const empty = (): Samples => ({ wallMs: [], cpuMs: [] });
  const result: PrefixRunResult = {
    allocateAll: empty(),
    subnetOnly: empty(),
    plan1000: empty(),
    pinnedHosts: hosts.filter((h) => h.index !== undefined).length,
    ptr65536: empty(),
  };
  // Repetition 0 warms the JIT and is not kept.
  for (let r = 0; r <= reps; r++) {
    const keep = (s: Samples) => (r === 0 ? undefined : s);
    timed(keep(result.allocateAll), () => {
      const plan = planSubnets(ROUTED_48, everyIndex);
      if (plan.size !== SUBNETS_PER_48) throw new Error("bench: the /48 was not fully allocated");
      return plan;
    });
    timed(keep(result.subnetOnly), () => {
      const out: string[] = [];
      for (let i = 0; i < SUBNETS_PER_48; i++) out.push(subnet64Of48(ROUTED_48, i));
      return out;
    });
    timed(keep(result.plan1000), () => {
      const planned = planSubnets(ROUTED_48, hosts);
      if (planned.size !== hosts.length) throw new Error("bench: not every host got a /64");
      return planned;
    });
    timed(keep(result.ptr65536), () => addresses.map((a) => ptrOwnerName(a)));
  }
  reportResult(result);
}

main();
