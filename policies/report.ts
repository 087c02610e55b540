#!/usr/bin/env node
/**
 * `ipv6-mail-policy-report`: turns policy results into text for a PR log, JSON, or SARIF 2.1.0 for code
 * scanning, and exits non-zero when the pipeline should fail.
 *
 *   ipv6-mail-policy-report [--format text|json|sarif] [--output FILE] [--fail-on mandatory|advisory|never]
 *                           [--artifact PATH] [--stack NAME] [--project NAME] [INPUT|-]
 *   ipv6-mail-policy-report config [SETTINGS.json|-]
 *
 * INPUT is a report from `ipv6-mail/testing`, an engine event log (`pulumi preview --event-log events.json`),
 * or JSON from `pulumi preview --json` that carries policy diagnostics. `config` converts a flat settings file
 * (`{levels, exceptions: [{rule, resource, reason, expires}], options}`) into the JSON `--policy-pack-config`
 * takes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { PACK_VERSION, policyPackConfig } from "./pack";
import { PolicySettings } from "./pack-config";
import { formatSarif } from "./report/format-sarif";
import { formatText } from "./report/format-text";
import { readReportInput } from "./report/read-report-input";

interface Args {
  format: "text" | "json" | "sarif";
  output?: string;
  failOn: "mandatory" | "advisory" | "never";
  artifact?: string;
  stack?: string;
  project?: string;
  input: string;
  command: "report" | "config";
}

const USAGE =
  "usage: ipv6-mail-policy-report [--format text|json|sarif] [--output FILE] [--fail-on mandatory|advisory|never] [--artifact PATH] [--stack NAME] [--project NAME] [INPUT|-]\n       ipv6-mail-policy-report config [SETTINGS.json|-]";

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { format: "text", failOn: "mandatory", input: "-", command: "report" };
  const rest = [...argv];
  if (rest[0] === "config") {
    args.command = "config";
    rest.shift();
  }
  while (rest.length > 0) {
    const a = rest.shift() as string;
    const value = () => {
      const v = rest.shift();
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--format") {
      const f = value();
      if (f !== "text" && f !== "json" && f !== "sarif")
        throw new Error(`--format must be text, json or sarif, not "${f}"`);
      args.format = f;
    } else if (a === "--output" || a === "-o") args.output = value();
    else if (a === "--fail-on") {
      const f = value();
      if (f !== "mandatory" && f !== "advisory" && f !== "never")
        throw new Error(`--fail-on must be mandatory, advisory or never, not "${f}"`);
      args.failOn = f;
    } else if (a === "--artifact") args.artifact = value();
    else if (a === "--stack") args.stack = value();
    else if (a === "--project") args.project = value();
    else if (a === "--help" || a === "-h") throw new Error(USAGE);
    else if (a.startsWith("-") && a !== "-") throw new Error(`unknown option ${a}\n${USAGE}`);
    else args.input = a;
  }
  return args;
}

function readInput(path: string): string {
  return readFileSync(path === "-" ? 0 : path, "utf8");
}

/** Runs the CLI; returns the exit code (1 = the report fails the pipeline, 2 = usage or input error). */
export function main(argv: readonly string[]): number {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    if (args.command === "config") {
      const settings = JSON.parse(readInput(args.input)) as PolicySettings;
      const text = `${JSON.stringify(policyPackConfig(settings), null, 2)}\n`;
      if (args.output) writeFileSync(args.output, text);
      else process.stdout.write(text);
      return 0;
    }
    const report = readReportInput(readInput(args.input), { stack: args.stack, project: args.project });
    const text =
      args.format === "json"
        ? `${JSON.stringify(report, null, 2)}\n`
        : args.format === "sarif"
          ? formatSarif(report, { artifactUri: args.artifact, toolVersion: PACK_VERSION })
          : formatText(report);
    if (args.output) writeFileSync(args.output, text);
    else process.stdout.write(text);
    if (args.failOn === "never") return 0;
    if (args.failOn === "advisory") return report.summary.mandatory + report.summary.advisory > 0 ? 1 : 0;
    return report.passed ? 0 : 1;
  } catch (e) {
    process.stderr.write(`ipv6-mail-policy-report: ${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
