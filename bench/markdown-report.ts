import { machineLabel } from "./machine";
import type { ProfileLine } from "./profile-summary";
import { BenchResults, isMeasured } from "./results";

const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? "—" : `${Math.round(v).toLocaleString("en")} ms`;
const x = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "—" : `${v.toFixed(2)}×`);
const n = (v: number) => v.toLocaleString("en");
const list = (entries: [string, number][], unit: (v: number) => string) =>
  entries.map(([k, v]) => `${k} ${unit(v)}`).join(", ");
const table = (head: string[], rows: string[][]) => [
  `| ${head.join(" | ")} |`,
  `| ${head.map(() => "---").join(" | ")} |`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
];

/** One goal of the issues, judged on wall time and, where it can be, on CPU time (a busy machine's wall waits). */
interface Goal {
  readonly item: number;
  readonly goal: string;
  readonly wall: string;
  readonly cpu: string;
  readonly met: boolean;
  readonly cpuMet?: boolean;
}

/** A goal's test of a figure: at most a ratio, or under a time. */
const within = (limit: number) => (v: number) => v <= limit;
const under = (limit: number) => (v: number) => v < limit;

/** The largest self times of a profile as a phrase: "`f` (file) 120 ms, …". */
const topOf = (lines: readonly ProfileLine[] | undefined, count: number) =>
  (lines ?? [])
    .slice(0, count)
    .map((l) => `\`${l.function}\` (${l.location.replace(/:\d+$/, "")}) ${ms(l.selfMs)}`)
    .join(", ");

/**
 * BENCHMARKS.md from one run: the goals with wall and CPU figures side by side, a short analysis written
 * from the same figures, then one table per item, so every number in the file is this run's.
 */
export function renderMarkdown(r: BenchResults, rawFile: string): string {
  const goals: Goal[] = [];
  /** A goal on a figure measured in wall and CPU time, judged on each. */
  const judge = (item: number, goal: string, wall?: number, cpu?: number, ok = within(1), format = x) =>
    goals.push({
      item,
      goal,
      wall: format(wall),
      cpu: format(cpu),
      met: wall !== undefined && ok(wall),
      cpuMet: cpu !== undefined && ok(cpu),
    });
  const analysis: string[] = [];
  const sections: string[] = [];
  const section = (title: string, intro: string, head: string[], rows: string[][]) =>
    sections.push(`## ${title}`, "", intro, "", ...table(head, rows), "");

  const p = r.programEvaluation;
  if (isMeasured(p)) {
    for (const s of p.sizes.filter((s) => s.hosts === 500))
      judge(
        1,
        "program: 500 MailServers within 1.15× the raw baseline",
        s.wallMs.ratio,
        s.cpuMs.ratio,
        within(1.15),
      );
    section(
      "1. Program evaluation (the mock engine of `testing/`)",
      "N MailServers against the same registrations as plain resources; a fresh process per run; medians.",
      ["hosts", "registrations", "MailServer", "baseline", "ratio", "CPU ratio", "peak RSS ratio", "runs"],
      p.sizes.map((s) => [
        String(s.hosts),
        n(s.registrations.mailServer),
        ms(s.wallMs.mailServer),
        ms(s.wallMs.sameCount),
        x(s.wallMs.ratio),
        x(s.cpuMs.ratio),
        x(s.peakRssMiB.ratio),
        String(s.repetitions),
      ]),
    );
    const last = p.sizes[p.sizes.length - 1];
    analysis.push(
      `**Program evaluation.** At ${last.hosts} hosts the MailServer program takes ${x(last.wallMs.ratio)} the ` +
        `baseline's wall time and ${x(last.cpuMs.ratio)} its CPU time; its runs spread by ` +
        `${Math.round(last.wallSpread * 100)} %.` +
        (p.profile
          ? ` The package's own functions by total time at ${p.profile.hosts} hosts: ${topOf(p.profile.mailServer.own, 3)}.`
          : ""),
    );
  }

  const pe = r.policyEvaluation;
  if (isMeasured(pe)) {
    for (const s of pe.sizes)
      judge(
        2,
        `pack: ${n(s.size)} resources within 3× a pass-through policy`,
        s.ratio,
        s.ratioCpu,
        within(3),
      );
    const at10k = pe.sizes.find((s) => s.size === 10_000);
    if (at10k)
      judge(2, "pack: 10,000 resources under 2 s", at10k.wallMs.pack, at10k.cpuMs.pack, under(2000), ms);
    if (pe.growth)
      judge(
        2,
        "pack: 50,000 resources within 5.5× the time of 10,000",
        pe.growth.wall,
        pe.growth.cpu,
        within(5.5),
      );
    section(
      "2. Policy evaluation (analyzer handlers, same request, same process)",
      "The pack's `AnalyzeStack` handler against one pass-through stack policy on `@pulumi/policy`'s handler, " +
        "each run on the engine's request decoded afresh, interleaved; medians.",
      ["resources", "pack", "pass-through", "ratio", "pack CPU", "CPU ratio", "peak RSS MiB", "runs"],
      pe.sizes.map((s) => [
        n(s.size),
        ms(s.wallMs.pack),
        ms(s.wallMs.passThrough),
        x(s.ratio),
        ms(s.cpuMs.pack),
        x(s.ratioCpu),
        n(Math.round(s.raw.maxRssKiB / 1024)),
        String(s.repetitions),
      ]),
    );
    const last = pe.sizes[pe.sizes.length - 1];
    sections.push(
      `Diagnostics at ${n(last.size)} resources: ${list(Object.entries(last.raw.diagnostics), String)}.`,
      "",
    );
    const withParts = pe.sizes.find((s) => s.raw.parts);
    const parts = withParts?.raw.parts;
    if (withParts && parts) {
      const rules = Object.entries(parts.rulesMs).sort((a, b) => b[1] - a[1]);
      const rulesMs = rules.reduce((sum, [, v]) => sum + v, 0);
      const pieces: [string, number][] = [
        ["reading the request", parts.readMs],
        ["the stack model", parts.modelMs],
        ["the rules", rulesMs],
      ];
      const [largest, largestMs] = [...pieces].sort((a, b) => b[1] - a[1])[0];
      analysis.push(
        `**Policy evaluation.** At ${n(withParts.size)} resources the pack's CPU time is ${list(pieces, ms)} ` +
          `(of them ${list(rules.slice(0, 3), ms)}); the largest part, ${largest}, is ${Math.round((largestMs / (parts.readMs + parts.modelMs + rulesMs)) * 100)} % of it. ` +
          `One pass-through policy takes ${ms(withParts.cpuMs.passThrough)} of CPU and ten take ` +
          `${ms(withParts.cpuMs.tenPassThrough)}: \`@pulumi/policy\` gives every stack policy its own copy of the ` +
          `stack, the pack judges it once for all its rules (as \`@pulumi/policy\` stack policies they take ` +
          `${ms(withParts.cpuMs.sdkRules)} of CPU and report ${withParts.raw.sdkRulesAgree ? "the same" : "**different**"} diagnostics).` +
          (withParts.raw.profile
            ? ` The profile's largest self times: ${topOf(withParts.raw.profile.self, 4)}.`
            : ""),
      );
    }
    const first = pe.sizes[0];
    if (pe.sizes.length > 1)
      analysis.push(
        `At ${n(first.size)} resources the pack is ${x(first.ratio)} (CPU ${x(first.ratioCpu)}) a pass-through ` +
          `that takes ${ms(first.wallMs.passThrough)}, so fixed costs weigh more than at ${n(last.size)} ` +
          `(${x(last.ratio)}, CPU ${x(last.ratioCpu)}).` +
          (pe.growth
            ? ` From 10,000 to 50,000 resources the pack grows ${x(pe.growth.wall)} (CPU ${x(pe.growth.cpu)}; linear is 5×).`
            : ""),
      );
  }

  const pp = r.prefixPlanning;
  if (isMeasured(pp)) {
    for (const c of pp.cases.filter((c) => c.goalMs !== undefined))
      judge(3, `prefix: ${c.name} under 1 s`, c.medianMs, c.medianCpuMs, under(c.goalMs as number), ms);
    section(
      "3. Prefix planning",
      `One fresh process, ${pp.repetitions} runs after a warm-up; medians.`,
      ["case", "what is timed", "wall", "CPU"],
      pp.cases.map((c) => [c.name, c.description, ms(c.medianMs), ms(c.medianCpuMs)]),
    );
  }

  const la = r.labApply;
  if (la.measured) {
    if (la.overFloor !== undefined)
      goals.push({
        item: 4,
        goal: "lab: `pulumi up` (create) within 1.3× its floor",
        wall: x(la.overFloor),
        cpu: "—",
        met: la.overFloor <= 1.3,
      });
    goals.push({
      item: 4,
      goal: "lab: a no-op `pulumi up` under 5 s, changing nothing",
      wall: `${ms(la.again.wallMs)}, ${la.again.sshSessions} SSH`,
      cpu: "—",
      met: la.again.wallMs < 5000 && la.stateUnchanged && la.filesTouchedByNoop.length === 0,
    });
    const changes = (c: Record<string, number>) => list(Object.entries(c), String);
    section(
      "4. `pulumi up` of the lab stack (real engine, `@pulumi/command`, lab VM)",
      "The floor: the same apply and confirm scripts, read back from the state, over plain `ssh host bash -s` " +
        "(a new connection each) to a second fresh lab instance, in the same run.",
      ["update", "wall", "SSH sessions", "engine's changes", "host script's last line"],
      [
        [
          "create",
          ms(la.first.wallMs),
          String(la.first.sshSessions),
          changes(la.first.resourceChanges),
          la.first.hostApplyResult,
        ],
        [
          "floor",
          la.floor ? ms(la.floor.wallMs) : `— (${la.floorMissing})`,
          "2",
          "—",
          la.floor?.applyResult ?? "—",
        ],
        [
          "nothing changed",
          ms(la.again.wallMs),
          String(la.again.sshSessions),
          changes(la.again.resourceChanges),
          la.again.hostApplyResult,
        ],
      ],
    );
    analysis.push(
      `**Host apply.** The create opens ${la.first.sshSessions} SSH sessions and takes ${ms(la.first.wallMs)}` +
        (la.floor
          ? `, ${x(la.overFloor)} the ${ms(la.floor.wallMs)} of the same scripts over plain SSH`
          : "") +
        `. With nothing to change, \`pulumi up\` takes ${ms(la.again.wallMs)}, opens ${la.again.sshSessions} SSH ` +
        `sessions and leaves the host ${la.stateUnchanged && la.filesTouchedByNoop.length === 0 ? "as it was" : `changed (${[...la.stateDifferences, ...la.filesTouchedByNoop].join(", ")})`}.` +
        (la.noopPhases
          ? ` Where that time goes (a second no-op, from the engine's log): ${list(
              la.noopPhases.map((ph) => [ph.phase, ph.ms]),
              ms,
            )}.`
          : ""),
    );
  }

  const ep = r.enginePreview;
  if (ep.measured) {
    for (const s of ep.sets)
      goals.push({
        item: 5,
        goal: `engine: \`pulumi preview\` (${s.stackState} stack) with the pack within 1.2× no pack`,
        wall: `${x(s.ratio)} (${x(s.ratioOverEmpty)} over no rules)`,
        cpu: `analyzer ${ms(s.nodeCpuMs.pack.analyzer)} (no rules: ${ms(s.nodeCpuMs.emptyPack.analyzer)})`,
        met: s.ratio <= 1.2,
      });
    section(
      "5. `pulumi preview` of the lab stack (real engine)",
      "Whole CLI runs without a policy pack, with `bench/empty-pack` (the pack's analyzer serving no rules) and " +
        "with `--policy-pack policies`, rotated, after a warm-up of each; medians. CPU: the analyzer's Node " +
        "process (no rules / the pack) and the program's (no pack / no rules / the pack), from `node-cpu-probe.ts`.",
      [
        "stack",
        "no pack",
        "no rules",
        "the pack",
        "pack / no pack",
        "pack / no rules",
        "analyzer CPU",
        "program CPU",
        "runs",
      ],
      ep.sets.map((s) => [
        s.stackState,
        ms(s.medianMs.noPack),
        ms(s.medianMs.emptyPack),
        ms(s.medianMs.pack),
        x(s.ratio),
        x(s.ratioOverEmpty),
        `${ms(s.nodeCpuMs.emptyPack.analyzer)} / ${ms(s.nodeCpuMs.pack.analyzer)}`,
        [s.nodeCpuMs.noPack, s.nodeCpuMs.emptyPack, s.nodeCpuMs.pack].map((c) => ms(c.program)).join(" / "),
        String(s.samplesMs.pack.length),
      ]),
    );
    for (const s of ep.sets) {
      const c = s.nodeCpuMs;
      analysis.push(
        `**The pack on a real preview (${s.stackState} stack).** The pack adds ${ms(s.medianMs.pack - s.medianMs.noPack)} ` +
          `of wall time to a preview without a pack, the analyzer with no rules ${ms(s.medianMs.emptyPack - s.medianMs.noPack)}. ` +
          `In CPU time the pack's analyzer process uses ${ms(c.pack.analyzer)} against ${ms(c.emptyPack.analyzer)} with ` +
          `no rules: starting Node, the language host's policy runner and the analyzer is most of it, the rules' ` +
          `loading and judging the stack ${ms(c.pack.analyzer - c.emptyPack.analyzer)}; the program uses ` +
          `${ms(c.noPack.program)} without a pack and ${ms(c.pack.program)} with it.`,
      );
    }
  }

  const notRun = (
    [r.programEvaluation, r.policyEvaluation, r.prefixPlanning, r.labApply, r.enginePreview] as const
  ).flatMap((v, i) => (isMeasured(v) ? [] : [`- item ${i + 1}: ${v.reason}`]));
  const load = (l: number[]) => l.map((v) => v.toFixed(1)).join(" / ");
  const [load1] = r.loadAverage.start;
  const met = goals.filter((g) => g.met).length;
  const cpuOnly = goals.filter((g) => !g.met && g.cpuMet).length;
  analysis.unshift(
    `${met} of ${goals.length} goals are met on wall time${cpuOnly ? `, ${cpuOnly} more on CPU time only` : ""}. ` +
      (load1 > r.machine.cores * 0.75
        ? `The 1-minute load average was ${load1.toFixed(1)} on ${r.machine.cores} cores when the run began: other ` +
          "work shared the CPU, so wall times include waiting for it; the CPU figures beside them are steadier."
        : `The machine was quiet (1-minute load average ${load1.toFixed(1)} on ${r.machine.cores} cores).`),
  );
  return [
    "# Benchmarks",
    "",
    `Written by \`npm run bench ${r.argv.join(" ")}\` (bench/run.ts) at ${r.commit.id}${r.commit.dirty ? " (with local changes)" : ""}, ` +
      `${r.startedAt}, ${Math.round(r.durationSeconds / 60)} min; ${machineLabel(r.machine)}; load average ` +
      `(1/5/15 min) ${load(r.loadAverage.start)} at the start, ${load(r.loadAverage.end)} at the end. Raw ` +
      `figures: \`${rawFile}\` (not committed). Every ratio compares figures of this run.`,
    "",
    ...table(
      ["item", "goal", "wall", "CPU", "verdict"],
      goals.map((g) => [
        String(g.item),
        g.goal,
        g.wall,
        g.cpu,
        g.met ? "met" : g.cpuMet ? "**missed** on wall, met on CPU" : "**missed**",
      ]),
    ),
    ...(notRun.length ? ["", "Not run:", "", ...notRun] : []),
    "",
    "## Analysis",
    "",
    ...analysis.flatMap((a) => [a, ""]),
    ...sections,
  ].join("\n");
}
