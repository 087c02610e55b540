import { readFileSync } from "node:fs";
import * as path from "node:path";

/** One line of a profile summary: a function and the CPU time spent in it. */
export interface ProfileLine {
  readonly function: string;
  /** Where it is defined, relative to the project (`node_modules/...` for dependencies). */
  readonly location: string;
  readonly selfMs: number;
  /** Self time of the function and everything it called (not double counting recursion). */
  readonly totalMs: number;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function locationOf(url: string, line: number, root: string): string {
  if (url === "") return "(native)";
  const file = url.startsWith("file://") ? url.slice("file://".length) : url;
  const relative = file.startsWith(root) ? path.relative(root, file) : file;
  return `${relative.replace(/^(\.cache\/bench-)?dist\//, "")}:${line + 1}`;
}

/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time and the most
 * total time, so BENCHMARKS.md can say where a missed goal's time goes without shipping the profile itself.
 * `include` keeps only functions whose location matches (e.g. the package's own code).
 */
export function summariseProfile(
  file: string,
  root: string,
  top = 15,
  include?: RegExp,
): { self: ProfileLine[]; total: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const selfByNode = new Map<number, number>();
  profile.samples.forEach((id, k) =>
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)),
  );
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const keyOf = (n: CpuProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"}\u0000${locationOf(n.callFrame.url, n.callFrame.lineNumber, root)}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  // Total time: walk the tree, crediting each sample to every distinct function on its stack once.
  const walk = (id: number, onStack: Map<string, number>): number => {
    const node = byId.get(id) as CpuProfileNode;
    const key = keyOf(node);
    let sum = selfByNode.get(id) ?? 0;
    self.set(key, (self.get(key) ?? 0) + sum);
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    for (const child of node.children ?? []) sum += walk(child, onStack);
    const depth = (onStack.get(key) ?? 1) - 1;
    if (depth === 0) {
      total.set(key, (total.get(key) ?? 0) + sum);
      onStack.delete(key);
    } else onStack.set(key, depth);
    return sum;
  };
  const children = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  for (const n of profile.nodes) if (!children.has(n.id)) walk(n.id, new Map());
  const lines = (m: Map<string, number>, other: Map<string, number>, selfFirst: boolean) =>
    [...m.entries()]
      // The profiler's own frames: (root)/(program)/(idle), and the inspector's dispatch of Profiler.stop.
      .filter(([key]) => !/^\((root|program|idle)\)/.test(key) && key !== "dispatch\u0000(native)")
      .filter(([key]) => include === undefined || include.test(key.split("\u0000")[1]))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const [fn, location] = key.split("\u0000");
        const o = other.get(key) ?? 0;
        return {
          function: fn,
          location,
          selfMs: Math.round((selfFirst ? us : o) / 1000),
          totalMs: Math.round((selfFirst ? o : us) / 1000),
        };
      });
  return { self: lines(self, total, true), total: lines(total, self, false) };
}
