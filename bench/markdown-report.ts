import { machineLabel } from "./machine";
import type { PolicyEvaluationResult } from "./policy-evaluation";
import { STACK_MIX } from "./policy-stack";
import type { ProfileLine } from "./profile-summary";
import { median } from "./stats";
import type { ProgramEvaluationResult } from "./program-evaluation";
import type { PrefixPlanningResult } from "./prefix-planning";
import { BenchResults, isMeasured, NotMeasured } from "./results";

/** Markers around the hand-written analysis, which survives regeneration. */
export const ANALYSIS_START =
  "<!-- analysis:start (hand-written; kept when the bench rewrites this file) -->";
/** See {@link ANALYSIS_START}. */
export const ANALYSIS_END = "<!-- analysis:end -->";

/** A goal's outcome. */
interface Verdict {
  readonly item: string;
  readonly goal: string;
  readonly measured: string;
  readonly verdict: string;
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString("en-US")} ms` : "—");
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "—");
const num = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "—");
const met = (ok: boolean) => (ok ? "met" : "**missed**");

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function profileTable(profile: { self: ProfileLine[]; total: ProfileLine[] }, top = 12): string {
  const rows = (lines: ProfileLine[]) =>
    lines.slice(0, top).map((l) => [`\`${l.function}\``, `\`${l.location}\``, ms(l.selfMs), ms(l.totalMs)]);
  return [
    "Most self time (time spent in the function itself):",
    "",
    table(["function", "where", "self", "total"], rows(profile.self)),
    "",
    "Most total time (the function and what it calls):",
    "",
    table(["function", "where", "self", "total"], rows(profile.total)),
  ].join("\n");
}

function notMeasured(r: NotMeasured): string {
  return `Not measured: ${r.reason}`;
}

function programSection(r: ProgramEvaluationResult, verdicts: Verdict[]): string {
  const rows = r.sizes.map((s) => [
    String(s.hosts),
    `${s.registrations.mailServer} / ${s.registrations.sameCount} / ${num(s.registrations.providerOnly)}`,
    `${ms(s.wallMs.mailServer)} / ${ms(s.wallMs.sameCount)} / ${ms(s.wallMs.providerOnly)}`,
    `${x(s.wallMs.ratio)} / ${x(s.wallMs.ratioProviderOnly)}`,
    `${ms(s.cpuMs.mailServer)} / ${ms(s.cpuMs.sameCount)} / ${ms(s.cpuMs.providerOnly)}`,
    `${x(s.cpuMs.ratio)} / ${x(s.cpuMs.ratioProviderOnly)}`,
    `${num(s.peakRssMiB.mailServer)} / ${num(s.peakRssMiB.sameCount)} / ${num(s.peakRssMiB.providerOnly)}`,
    `${x(s.peakRssMiB.ratio)} / ${x(s.peakRssMiB.ratioProviderOnly)}`,
    String(s.repetitions),
  ]);
  const perHost = r.sizes.map((s) => [
    String(s.hosts),
    `${ms(s.wallPerHostMs.mailServer)} / ${ms(s.wallPerHostMs.sameCount)} / ${ms(s.wallPerHostMs.providerOnly)}`,
    `${ms(s.cpuPerHostMs.mailServer)} / ${ms(s.cpuPerHostMs.sameCount)} / ${ms(s.cpuPerHostMs.providerOnly)}`,
    `${num(s.cpuPerRegistrationMs.mailServer, 2)} / ${num(s.cpuPerRegistrationMs.sameCount, 2)} / ${num(s.cpuPerRegistrationMs.providerOnly, 2)} ms`,
  ]);
  const largest = r.sizes[r.sizes.length - 1];
  for (const s of r.sizes) {
    if (s !== largest && s.hosts !== 100) continue;
    verdicts.push({
      item: "1",
      goal: `${s.hosts} MailServers: wall time ≤ 1.25× the baseline`,
      measured: `${x(s.wallMs.ratio)} (CPU ${x(s.cpuMs.ratio)})${Number.isFinite(s.wallMs.ratioProviderOnly) ? `; provider resources only: ${x(s.wallMs.ratioProviderOnly)} (CPU ${x(s.cpuMs.ratioProviderOnly)})` : ""}`,
      verdict: met(s.wallMs.ratio <= 1.25),
    });
    verdicts.push({
      item: "1",
      goal: `${s.hosts} MailServers: peak memory ≤ 1.25× the baseline`,
      measured: `${x(s.peakRssMiB.ratio)}${Number.isFinite(s.peakRssMiB.ratioProviderOnly) ? `; provider resources only: ${x(s.peakRssMiB.ratioProviderOnly)}` : ""}`,
      verdict: met(s.peakRssMiB.ratio <= 1.25),
    });
  }
  if (r.perHostGrowth) {
    const g = r.perHostGrowth;
    verdicts.push({
      item: "1",
      goal: `cost per host flat: ${g.to} hosts within 1.2× the per-host cost of ${g.from}`,
      measured: `${x(g.wall)} wall, ${x(g.cpu)} CPU (baseline: ${x(g.wallSameCount)} wall, ${x(g.cpuSameCount)} CPU)`,
      verdict: met(g.wall <= 1.2),
    });
  }
  const profile = r.profile;
  return [
    "## 1. Program evaluation under the mock engine",
    "",
    "A program of N `MailServer`s (DigitalOcean droplet + Hurricane Electric tunnel + Cloudflare DNS; every host",
    "its own routed /64 and name) against two baselines replayed from a recording of that program's",
    "registrations, with literal properties and no components, parents, validation or rendering:",
    "",
    "- **baseline** (the issue's): the same number of plain resources with the same properties: the provider",
    "  resources through their SDK classes, and each component as a plain custom resource carrying the outputs",
    "  it registered;",
    "- **provider only**: just the provider resources, as a program written without the package registers them.",
    "",
    "Each run is a fresh Node process under `pulumi.runtime.setMocks`; time runs from the program's first line",
    "until the last registration is answered (module loading excluded); the three programs take turns. Peak",
    "memory is the process's peak RSS (modules included). CPU time is user + system of the process during the",
    "evaluation (V8's parallel GC threads can make it exceed wall time); it is the figure least disturbed by",
    "other load on the machine. Cells read MailServer / baseline / provider only; ratios are MailServer over",
    "baseline / over provider only.",
    "",
    table(
      [
        "MailServers",
        "registrations",
        "wall",
        "wall ratio",
        "CPU",
        "CPU ratio",
        "peak RSS MiB",
        "RSS ratio",
        "runs",
      ],
      rows,
    ),
    "",
    "Cost per host and per registration (medians):",
    "",
    table(["MailServers", "wall per host", "CPU per host", "CPU per registration"], perHost),
    ...(profile
      ? [
          "",
          `Where the CPU time goes (${profile.hosts} hosts, one profiled run of each, evaluation only).`,
          "",
          "**MailServer program.** " + profileTable(profile.mailServer, 10),
          "",
          "The package's own functions in the MailServer program, by total time:",
          "",
          table(
            ["function", "where", "self", "total"],
            profile.mailServer.own.map((l) => [
              `\`${l.function}\``,
              `\`${l.location}\``,
              ms(l.selfMs),
              ms(l.totalMs),
            ]),
          ),
          "",
          "**Baseline program.** " + profileTable(profile.sameCount, 10),
        ]
      : []),
  ].join("\n");
}

function policySection(r: PolicyEvaluationResult, verdicts: Verdict[]): string {
  const rows = r.sizes.map((s) => [
    s.size.toLocaleString("en-US"),
    ms(s.packMs),
    ms(s.passThroughMs),
    x(s.ratio),
    ms(s.passThroughPerRuleMs),
    x(s.ratioPerRule),
    ms(s.packCpuMs),
    x(s.ratioCpu),
    `${s.microsecondsPerResource} µs`,
    `${Math.round(s.raw.maxRssKiB / 1024)}`,
    String(s.repetitions),
  ]);
  for (const s of r.sizes) {
    verdicts.push({
      item: "2",
      goal: `${s.size.toLocaleString("en-US")} resources: ≤ 3× a pass-through policy`,
      measured: `${x(s.ratio)} (CPU ${x(s.ratioCpu)}; ${x(s.ratioPerRule)} over ${s.raw.stackPolicies} pass-through policies)`,
      verdict: met(s.ratio <= 3),
    });
  }
  const tenK = r.sizes.find((s) => s.size === 10_000);
  if (tenK) {
    verdicts.push({
      item: "2",
      goal: "10,000 resources in under 2 s here",
      measured: `${ms(tenK.packMs)} wall, ${ms(tenK.packCpuMs)} CPU`,
      verdict: met(tenK.packMs < 2000),
    });
  }
  if (r.growth) {
    verdicts.push({
      item: "2",
      goal: "50,000 resources within 5.5× the time of 10,000 (linear)",
      measured: `${x(r.growth.wall)} wall, ${x(r.growth.cpu)} CPU`,
      verdict: met(r.growth.wall <= 5.5),
    });
  }
  const mix = Object.entries(STACK_MIX).map(([k, v]) => `${k} ${Math.round(v * 100)} %`);
  const perRule = r.sizes.flatMap((s) => {
    const b = s.raw.breakdown;
    if (!b) return [];
    const others = s.raw.stackPolicies - 1;
    const rules = Object.entries(b.ruleCpuMs);
    const own = b.modelCpuMs + others * b.sameStackCheckCpuMs + rules.reduce((sum, [, v]) => sum + v, 0);
    return [
      "",
      `Where the pack's own CPU time goes on ${s.size.toLocaleString("en-US")} resources (the handler's part left`,
      "out; medians of separate runs of each part, so the total differs a little from the pack's run above):",
      "",
      table(
        ["part", "CPU", "per analysis"],
        [
          ["building the stack model (once per analysis)", ms(b.modelCpuMs), ms(b.modelCpuMs)],
          [
            `checking that a rule's resources are the stack the model was built from (each of the other ${others} rules)`,
            ms(b.sameStackCheckCpuMs),
            ms(others * b.sameStackCheckCpuMs),
          ],
          ...rules.map(([id, v]) => [`rule \`${id}\` on the shared model`, ms(v), ms(v)]),
          ["the pack's own work", "", ms(own)],
          [
            `the handler's part for ${s.raw.stackPolicies} stack policies (${s.raw.stackPolicies} pass-through policies)`,
            "",
            ms(s.passThroughPerRuleCpuMs),
          ],
        ],
      ),
    ];
  });
  const comparison = r.sizes.flatMap((s) => {
    const c = s.raw.comparison;
    if (!c) return [];
    const pack = median(c.unsharedPackMs);
    const packCpu = median(c.unsharedPackCpuMs);
    const shared = Object.values(s.raw.diagnostics).reduce((a, b) => a + b, 0);
    return [
      "",
      `The pack on ${s.size.toLocaleString("en-US")} resources without its property sharing (every stack policy`,
      `deserializes its own copy of the properties, as \`@pulumi/policy\` does by itself), ${c.unsharedPackMs.length} runs;`,
      `diagnostics: ${shared} with the sharing, ${c.unsharedDiagnostics} without, ${c.harnessDiagnostics} from the testing analyzer:`,
      "",
      table(
        ["", "pack without sharing", "ratio (1 pass-through)", "pack with sharing"],
        [
          ["wall", ms(pack), x(pack / s.passThroughMs), ms(s.packMs)],
          ["CPU", ms(packCpu), x(packCpu / s.passThroughCpuMs), ms(s.packCpuMs)],
        ],
      ),
    ];
  });
  const profiled = r.sizes.filter((s) => s.raw.profile);
  return [
    "## 2. Policy evaluation",
    "",
    "The pack runs over synthetic stacks through `@pulumi/policy`'s own `analyzeStack` handler (the function its",
    "gRPC server calls) on the engine's request decoded from protobuf bytes, with the pack's property sharing",
    "installed as the pack's entry point installs it (the stack policies of one analysis share one deserialized",
    "copy of each resource's properties, see `policies/core/shared-properties.ts`). Baselines over the same",
    "request, in the same process, interleaved with the pack: one pass-through policy (visits every resource,",
    "judges nothing; a pack of its own, without the sharing), and as many pass-through policies as the pack has",
    "rules, with the sharing (each rule is its own stack policy, so this is the framework's share; the ratio over",
    "it is the rules' own work). Every analysis starts in a new turn of the event loop, as an engine request",
    "does, so nothing the pack keeps for one analysis (its stack model, parse caches) carries over to the next.",
    "",
    `Stack mix by resource count: ${mix.join(", ")}, the rest random passwords. MailServer hosts are clones of`,
    "real captures of the component (checked against fresh captures each run); the hand-built hosts are the same",
    "provider resources and scripts without the components; Hetzner tenants are four servers under one",
    "label-selector firewall. Every host has its own names and addresses.",
    "",
    table(
      [
        "resources",
        "pack",
        "1 pass-through",
        "ratio",
        `${r.sizes[0]?.raw.stackPolicies ?? "n"} pass-through`,
        "ratio",
        "pack CPU",
        "CPU ratio (1 pass-through)",
        "pack per resource",
        "peak RSS MiB",
        "runs",
      ],
      rows,
    ),
    "",
    "Diagnostics the pack reported (a realistic stack is not spotless):",
    "",
    table(
      ["resources", "diagnostics"],
      r.sizes.map((s) => [
        s.size.toLocaleString("en-US"),
        Object.entries(s.raw.diagnostics)
          .map(([k, v]) => `${k}: ${v}`)
          .join("; ") || "none",
      ]),
    ),
    ...comparison,
    ...perRule,
    ...profiled.flatMap((s) => [
      "",
      `Where the pack's CPU time goes on ${s.size.toLocaleString("en-US")} resources (one profiled run):`,
      "",
      profileTable(s.raw.profile as { self: ProfileLine[]; total: ProfileLine[] }),
    ]),
  ].join("\n");
}

function prefixSection(r: PrefixPlanningResult, verdicts: Verdict[]): string {
  for (const c of r.cases) {
    if (c.goalMs === undefined) continue;
    verdicts.push({
      item: "3",
      goal: `${c.name}: under 1 s here`,
      measured: `${ms(c.medianMs)} wall, ${ms(c.medianCpuMs)} CPU`,
      verdict: met(c.medianMs < c.goalMs),
    });
  }
  return [
    "## 3. Prefix planning",
    "",
    `One fresh process, ${r.repetitions} timed repetitions after one warm-up; medians. Absolute goals, so the`,
    "figures are this machine's.",
    "",
    table(
      ["case", "what is timed", "wall", "CPU", "goal", "verdict"],
      r.cases.map((c) => [
        c.name,
        c.description,
        ms(c.medianMs),
        ms(c.medianCpuMs),
        c.goalMs === undefined ? "—" : `< ${ms(c.goalMs)}`,
        c.goalMs === undefined ? "—" : met(c.medianMs < c.goalMs),
      ]),
    ),
  ].join("\n");
}

function changes(c: Record<string, number>): string {
  return Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function labSection(results: BenchResults, verdicts: Verdict[]): string {
  const r = results.labApply;
  const head = ["## 4. Host apply in the lab", ""];
  if (!r.measured) {
    verdicts.push({
      item: "4",
      goal: "at most 2 SSH sessions per host on create; a no-op re-apply that changes nothing",
      measured: "not measured",
      verdict: "not measured",
    });
    return [...head, notMeasured(r)].join("\n");
  }
  const perHost = r.first.sshSessions / r.mailHosts;
  verdicts.push({
    item: "4",
    goal: "at most 2 SSH sessions per host on create",
    measured: `${perHost} per host`,
    verdict: met(perHost <= 2),
  });
  const changed = Object.entries(r.again.resourceChanges).some(([k, v]) => k !== "same" && v > 0);
  const noop = r.stateUnchanged && !changed && r.again.sshSessions === 0;
  verdicts.push({
    item: "4",
    goal: "a no-op re-apply changes nothing",
    measured: `${changes(r.again.resourceChanges)}; ${r.again.sshSessions} SSH sessions; host state ${
      r.stateUnchanged ? "identical" : `differs (${r.stateDifferences.join(", ")})`
    }`,
    verdict: met(noop),
  });
  return [
    ...head,
    "`pulumi up` of the `lab` stack (stacks/Pulumi.lab.yaml: one mail host, host scripts over the machine's",
    "OpenSSH client) on the engine of scripts/pulumi-engine.sh, against a lab VM of its own, then `pulumi up`",
    "again with nothing changed. SSH sessions are counted on the host, from sshd's `Accepted publickey` lines",
    "in the VM's journal during each update. Wall times include the engine and the Node program starting, and",
    "every SSH handshake on the emulated (TCG) CPU of the VM.",
    "",
    table(
      ["update", "SSH sessions", "wall (whole `pulumi up`)", "engine's changes", "host script's last line"],
      [
        [
          "first (create)",
          String(r.first.sshSessions),
          ms(r.first.wallMs),
          changes(r.first.resourceChanges),
          `\`${r.first.hostApplyResult}\``,
        ],
        [
          "again, nothing changed",
          String(r.again.sshSessions),
          ms(r.again.wallMs),
          changes(r.again.resourceChanges),
          changed ? `\`${r.again.hostApplyResult}\`` : "not run (nothing to change)",
        ],
      ],
    ),
    "",
    `Host state after the second update (nftables ruleset, links, addresses, routes, rules, \`postconf -n\`,`,
    `configuration file hashes): ${r.stateUnchanged ? "identical to after the first" : `differs in ${r.stateDifferences.join(", ")}`}.`,
    `Files the second update rewrote: ${r.filesTouchedByNoop.length === 0 ? "none" : r.filesTouchedByNoop.join(", ")}.`,
  ].join("\n");
}

function engineSection(results: BenchResults, verdicts: Verdict[]): string {
  const r = results.enginePreview;
  const head = ["## 5. Real engine: `pulumi preview` of the lab stack", ""];
  const goal = "the policy pack's overhead on `pulumi preview`, as a ratio";
  if (!r.measured) {
    verdicts.push({ item: "5", goal, measured: "not measured", verdict: "not measured" });
    return [...head, notMeasured(r)].join("\n");
  }
  for (const set of r.sets) {
    verdicts.push({
      item: "5",
      goal: `${goal} (${set.stackState} stack)`,
      measured: x(set.ratio),
      verdict: "measured (no numeric goal)",
    });
  }
  return [
    ...head,
    "`pulumi preview` with and without `--policy-pack policies`, alternating, after one untimed warm-up of",
    "each; the stack empty (everything to create) and, when item 4 ran, deployed (nothing to change).",
    "",
    table(
      ["stack", "preview without the pack", "with the pack", "ratio", "overhead", "runs (without; with)"],
      r.sets.map((s) => [
        s.stackState,
        ms(s.medianWithoutMs),
        ms(s.medianWithMs),
        x(s.ratio),
        ms(s.medianWithMs - s.medianWithoutMs),
        `${s.withoutPackMs.map(ms).join(", ")}; ${s.withPackMs.map(ms).join(", ")}`,
      ]),
    ),
  ].join("\n");
}

/**
 * Renders BENCHMARKS.md: the machine, a summary of every goal (met, missed, not measured), and one section per
 * item with the measured figures and, for the heavy items, where the time goes. `previousAnalysis` is the
 * hand-written analysis of the current file, carried over.
 */
export function renderMarkdown(results: BenchResults, resultFile: string, previousAnalysis?: string): string {
  const verdicts: Verdict[] = [];
  const sections = [
    isMeasured(results.programEvaluation)
      ? programSection(results.programEvaluation, verdicts)
      : `## 1. Program evaluation under the mock engine\n\n${notMeasured(results.programEvaluation as NotMeasured)}`,
    isMeasured(results.policyEvaluation)
      ? policySection(results.policyEvaluation, verdicts)
      : `## 2. Policy evaluation\n\n${notMeasured(results.policyEvaluation as NotMeasured)}`,
    isMeasured(results.prefixPlanning)
      ? prefixSection(results.prefixPlanning, verdicts)
      : `## 3. Prefix planning\n\n${notMeasured(results.prefixPlanning as NotMeasured)}`,
    labSection(results, verdicts),
    engineSection(results, verdicts),
  ];
  const m = results.machine;
  const load = (l: number[]) => l.map((v) => v.toFixed(1)).join(" / ");
  const analysis =
    previousAnalysis ??
    "## Analysis\n\n(Write here why missed goals are missed; the bench keeps this section.)";
  return [
    "# Benchmarks",
    "",
    `Generated by \`npm run bench\` (bench/run.ts); raw figures in \`${resultFile}\` (not committed).`,
    "Ratios are against baselines measured in the same run; absolute times are this machine's.",
    "",
    table(
      ["", ""],
      [
        ["machine", machineLabel(m)],
        ["CPU", `${m.cpuModel} (\`/proc/cpuinfo\`), ${m.cores} cores (\`nproc\`)`],
        ["memory", `${m.memoryGiB} GiB`],
        ["system", `${m.platform}, kernel ${m.kernel}, Node ${m.node}`],
        [
          "load average (1/5/15 min)",
          `start ${load(results.loadAverage.start)}, end ${load(results.loadAverage.end)}`,
        ],
        [
          "run",
          `${results.startedAt}, ${Math.round(results.durationSeconds / 6) / 10} min, \`${["npm run bench", ...results.argv].join(" ")}\``,
        ],
        ["commit", `${results.commit.id}${results.commit.dirty ? " with local changes" : ""}`],
      ],
    ),
    "",
    // The 1-minute average when the measurements began: the longer averages still carry whatever ran before,
    // and the end ones the bench's own work.
    ...(results.loadAverage.start[0] > m.cores
      ? [
          `The 1-minute load average was ${results.loadAverage.start[0]} when the run began, above the machine's ${m.cores}`,
          "cores (other work, or work that had just finished): wall times may be longer than on an idle machine;",
          "CPU times are shown beside them.",
          "",
        ]
      : []),
    "## Summary",
    "",
    table(
      ["item", "goal", "measured", "verdict"],
      verdicts.map((v) => [v.item, v.goal, v.measured, v.verdict]),
    ),
    "",
    ...sections.flatMap((s) => [s, ""]),
    ANALYSIS_START,
    analysis.trim(),
    ANALYSIS_END,
    "",
  ].join("\n");
}

/** The hand-written analysis of an existing BENCHMARKS.md, if it has one. */
export function extractAnalysis(markdown: string): string | undefined {
  const start = markdown.indexOf(ANALYSIS_START);
  const end = markdown.indexOf(ANALYSIS_END);
  if (start < 0 || end < start) return undefined;
  return markdown.slice(start + ANALYSIS_START.length, end).trim();
}
