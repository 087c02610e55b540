import { machineLabel } from "./machine";
import type { ProfileLine } from "./profile-summary";
import { BenchResults, isMeasured } from "./results";

/** Marks the hand-written analysis in BENCHMARKS.md, which a new run keeps. */
export const ANALYSIS_START =
  "<!-- analysis:start (hand-written; kept when the bench rewrites this file) -->";
/** See {@link ANALYSIS_START}. */
export const ANALYSIS_END = "<!-- analysis:end -->";

const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? "—" : `${Math.round(v).toLocaleString("en")} ms`;
const x = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "—" : `${v.toFixed(2)}×`);
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
const table = (head: string[], rows: string[][]) => [
  `| ${head.join(" | ")} |`,
  `| ${head.map(() => "---").join(" | ")} |`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
];

function profileTable(title: string, lines: readonly ProfileLine[] | undefined): string[] {
  if (!lines?.length) return [];
  return [
    "",
    title,
    "",
    ...table(
      ["function", "where", "self", "total"],
      lines.slice(0, 8).map((l) => [`\`${l.function}\``, `\`${l.location}\``, ms(l.selfMs), ms(l.totalMs)]),
    ),
  ];
}

/** BENCHMARKS.md: the goals with their figures, one table per item, then the analysis kept from before. */
export function renderMarkdown(r: BenchResults, rawFile: string, analysis?: string): string {
  const goals: string[][] = [];
  const out: string[] = [];
  const p = r.programEvaluation;
  if (isMeasured(p)) {
    const at500 = p.sizes.find((s) => s.hosts === 500);
    if (at500)
      goals.push([
        "program: 500 MailServers within 1.15× the raw baseline",
        `${x(at500.wallMs.ratio)} wall, ${x(at500.cpuMs.ratio)} CPU`,
        verdict(at500.wallMs.ratio <= 1.15),
      ]);
    out.push(
      "",
      "## Program evaluation (mock engine)",
      "",
      "MailServer / raw baseline (same registrations, plain resources) / provider resources only; medians.",
      "",
    );
    out.push(
      ...table(
        ["hosts", "registrations", "wall", "ratio", "CPU", "CPU ratio", "peak RSS MiB", "runs"],
        p.sizes.map((s) => [
          String(s.hosts),
          `${s.registrations.mailServer} / ${s.registrations.sameCount}`,
          `${ms(s.wallMs.mailServer)} / ${ms(s.wallMs.sameCount)} / ${ms(s.wallMs.providerOnly)}`,
          x(s.wallMs.ratio),
          `${ms(s.cpuMs.mailServer)} / ${ms(s.cpuMs.sameCount)}`,
          x(s.cpuMs.ratio),
          `${Math.round(s.peakRssMiB.mailServer)} / ${Math.round(s.peakRssMiB.sameCount)}`,
          String(s.repetitions),
        ]),
      ),
      ...profileTable(
        `MailServer program, ${p.profile?.hosts ?? ""} hosts, most self time:`,
        p.profile?.mailServer.self,
      ),
      ...profileTable("The package's own functions by total time:", p.profile?.mailServer.own),
    );
  }
  const pe = r.policyEvaluation;
  if (isMeasured(pe)) {
    for (const s of pe.sizes)
      goals.push([
        `policy: ${s.size.toLocaleString("en")} resources within 3× a pass-through policy`,
        `${x(s.ratio)} wall, ${x(s.ratioCpu)} CPU (${ms(s.wallMs.pack)} / ${ms(s.wallMs.passThrough)})`,
        verdict(s.ratio <= 3),
      ]);
    const at10k = pe.sizes.find((s) => s.size === 10_000);
    if (at10k)
      goals.push([
        "policy: 10,000 resources under 2 s",
        ms(at10k.wallMs.pack),
        verdict((at10k.wallMs.pack ?? Infinity) < 2000),
      ]);
    if (pe.growth)
      goals.push([
        "policy: 50,000 within 5.5× of 10,000",
        `${x(pe.growth.wall)} wall, ${x(pe.growth.cpu)} CPU`,
        verdict(pe.growth.wall <= 5.5),
      ]);
    out.push("", "## Policy evaluation (analyzer handlers, same request, same process)", "");
    out.push(
      ...table(
        [
          "resources",
          "pack",
          "pass-through",
          "ratio",
          "pack CPU",
          "CPU ratio",
          "rules on @pulumi/policy",
          "10 pass-throughs",
          "peak RSS MiB",
          "runs",
        ],
        pe.sizes.map((s) => [
          s.size.toLocaleString("en"),
          ms(s.wallMs.pack),
          ms(s.wallMs.passThrough),
          x(s.ratio),
          ms(s.cpuMs.pack),
          x(s.ratioCpu),
          ms(s.wallMs.sdkRules),
          ms(s.wallMs.tenPassThrough),
          String(Math.round(s.raw.maxRssKiB / 1024)),
          String(s.repetitions),
        ]),
      ),
    );
    const extra = pe.sizes.find((s) => s.raw.parts);
    if (extra?.raw.parts) {
      const parts = extra.raw.parts;
      out.push(
        "",
        `The pack's parts at ${extra.size.toLocaleString("en")} resources (CPU, medians): reading the request ${ms(parts.readMs)}, ` +
          `the stack model ${ms(parts.modelMs)}, the rules ${Object.entries(parts.rulesMs)
            .map(([id, v]) => `\`${id}\` ${ms(v)}`)
            .join(
              ", ",
            )}. The rules on \`@pulumi/policy\` reported ${extra.raw.sdkRulesAgree ? "the same" : "**different**"} diagnostics.`,
      );
    }
    const last = pe.sizes[pe.sizes.length - 1];
    if (last)
      out.push(
        "",
        `Diagnostics at ${last.size.toLocaleString("en")}: ${Object.entries(last.raw.diagnostics)
          .map(([k, v]) => `${k} ${v}`)
          .join("; ")}.`,
      );
    for (const s of pe.sizes)
      out.push(
        ...profileTable(
          `The pack at ${s.size.toLocaleString("en")} resources, most self time:`,
          s.raw.profile?.self,
        ),
      );
  }
  const pp = r.prefixPlanning;
  if (isMeasured(pp)) {
    for (const c of pp.cases)
      if (c.goalMs !== undefined)
        goals.push([`prefix: ${c.name} under 1 s`, ms(c.medianMs), verdict(c.medianMs < c.goalMs)]);
    out.push(
      "",
      "## Prefix planning",
      "",
      ...table(
        ["case", "wall", "CPU"],
        pp.cases.map((c) => [c.name, ms(c.medianMs), ms(c.medianCpuMs)]),
      ),
    );
  }
  const la = r.labApply;
  if (la.measured) {
    goals.push([
      "lab: at most 2 SSH sessions per host on create",
      String(la.first.sshSessions),
      verdict(la.first.sshSessions <= 2),
    ]);
    goals.push([
      "lab: a no-op `pulumi up` changes nothing",
      `${JSON.stringify(la.again.resourceChanges)}, ${la.again.sshSessions} SSH`,
      verdict(la.stateUnchanged && la.filesTouchedByNoop.length === 0),
    ]);
    out.push(
      "",
      "## `pulumi up` of the lab stack",
      "",
      ...table(
        ["update", "SSH sessions", "wall", "changes"],
        [
          [
            "first",
            String(la.first.sshSessions),
            ms(la.first.wallMs),
            JSON.stringify(la.first.resourceChanges),
          ],
          [
            "again",
            String(la.again.sshSessions),
            ms(la.again.wallMs),
            JSON.stringify(la.again.resourceChanges),
          ],
        ],
      ),
    );
  }
  const ep = r.enginePreview;
  if (ep.measured) {
    for (const s of ep.sets)
      goals.push([
        `engine: \`pulumi preview\` of the lab stack (${s.stackState}) with the pack within 1.2×`,
        `${x(s.ratio)} (${ms(s.medianWithMs)} / ${ms(s.medianWithoutMs)})`,
        verdict(s.ratio <= 1.2),
      ]);
    out.push(
      "",
      "## `pulumi preview` of the lab stack, real CLI",
      "",
      ...table(
        ["stack", "without the pack", "with it", "ratio", "runs without; with"],
        ep.sets.map((s) => [
          s.stackState,
          ms(s.medianWithoutMs),
          ms(s.medianWithMs),
          x(s.ratio),
          `${s.withoutPackMs.map(ms).join(", ")}; ${s.withPackMs.map(ms).join(", ")}`,
        ]),
      ),
    );
  }
  const notRun = (
    [
      ["program", r.programEvaluation],
      ["policy", r.policyEvaluation],
      ["prefix", r.prefixPlanning],
      ["lab", r.labApply],
      ["engine", r.enginePreview],
    ] as const
  ).flatMap(([name, v]) => ("measured" in v && v.measured === false ? [`- ${name}: ${v.reason}`] : []));
  const load = (l: number[]) => l.map((v) => v.toFixed(1)).join(" / ");
  return [
    "# Benchmarks",
    "",
    `\`npm run bench ${r.argv.join(" ")}\` at ${r.commit.id}${r.commit.dirty ? " (with local changes)" : ""}, ${r.startedAt}, ` +
      `${Math.round(r.durationSeconds / 60)} min; ${machineLabel(r.machine)}; load average (1/5/15 min) ${load(r.loadAverage.start)} at the start, ` +
      `${load(r.loadAverage.end)} at the end. Raw figures: \`${rawFile}\` (not committed). Ratios compare figures of the same run.`,
    "",
    ...table(["goal", "measured", "verdict"], goals),
    ...(notRun.length ? ["", "Not run:", "", ...notRun] : []),
    ...out,
    "",
    ANALYSIS_START,
    analysis ?? "## Analysis\n\n(to be written)",
    ANALYSIS_END,
    "",
  ].join("\n");
}

/** The hand-written analysis of a BENCHMARKS.md, if it has one. */
export function extractAnalysis(markdown: string): string | undefined {
  const start = markdown.indexOf(ANALYSIS_START);
  const end = markdown.indexOf(ANALYSIS_END);
  if (start < 0 || end < start) return undefined;
  return markdown.slice(start + ANALYSIS_START.length, end).trim();
}
