#!/usr/bin/env node
/**
 * `ipv6-mail`: the package's command line. One command so far, `ipv6-mail doctor <host name>`, which checks a
 * live mail host the way receivers judge it (see the README's "doctor" section).
 */
import { DOCTOR_USAGE, DoctorUsageError, parseDoctorArgs } from "./doctor-args";
import { doctorExitCode, formatDoctorText } from "./doctor-report";
import { runDoctor } from "./run-doctor";

/** Runs the command line `argv` (without node and the script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "help") {
    process.stdout.write(`usage: ipv6-mail doctor <host name> [options]  (ipv6-mail doctor --help)\n`);
    return 0;
  }
  if (command !== "doctor") {
    process.stderr.write(
      `ipv6-mail: unknown command "${command ?? ""}"; the command is: ipv6-mail doctor <host name> [options]\n`,
    );
    return 2;
  }
  let options;
  try {
    options = parseDoctorArgs(rest);
  } catch (e) {
    if (e instanceof DoctorUsageError) {
      process.stderr.write(`${e.message}\n\n${DOCTOR_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (options === "help") {
    process.stdout.write(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  const report = await runDoctor(options);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorText(report));
  return doctorExitCode(report);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`ipv6-mail doctor: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
