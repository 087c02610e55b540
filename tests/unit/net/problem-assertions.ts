/**
 * Assertions shared by the net tests: every bad input must come back as a problem that names the field,
 * carries the value, and reads as one `field = value: problem. Fix: fix` line a user can act on.
 */
import assert from "node:assert/strict";
import { ConfigProblem, InvalidConfigError } from "../../../net";

/** How an error message renders a value: JSON, or `(not set)` when it is undefined. */
export function renderedValue(value: unknown): string {
  return value === undefined ? "(not set)" : JSON.stringify(value);
}

/** Runs `fn`, which must throw an {@link InvalidConfigError}, and returns that error. */
export function catchInvalidConfig(fn: () => unknown): InvalidConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InvalidConfigError, `expected an InvalidConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected an InvalidConfigError, but nothing was thrown");
}

/** What a bad input must produce. */
export interface ExpectedProblem {
  readonly field: string;
  readonly value?: unknown;
  /** Substrings the rendered line must contain (besides the value). */
  readonly mentions: readonly string[];
  /** A substring of the fix. */
  readonly fix: string;
}

/**
 * Asserts that `message` (an error message, or `formatProblems` output) holds the line of the problem for
 * `expected.field`, that the line mentions the value and every expected phrase, and that it ends in a fix.
 */
export function assertExplained(
  problems: readonly ConfigProblem[],
  message: string,
  expected: ExpectedProblem,
): void {
  const problem = problems.find((p) => p.field === expected.field);
  assert.ok(
    problem,
    `no problem for field ${expected.field}; got ${problems.map((p) => p.field).join(", ")}`,
  );
  assert.deepEqual(problem.value, expected.value, "the problem carries the value as given");
  const line = ` - ${problem.field} = ${renderedValue(problem.value)}: ${problem.problem}. Fix: ${problem.fix}`;
  assert.ok(
    message.split("\n").includes(line),
    `message lacks the line ${JSON.stringify(line)}:\n${message}`,
  );
  assert.ok(
    line.includes(`${expected.field} = ${renderedValue(expected.value)}: `),
    "the line names field and value",
  );
  for (const phrase of expected.mentions) {
    assert.ok(line.includes(phrase), `line ${JSON.stringify(line)} lacks ${JSON.stringify(phrase)}`);
  }
  assert.ok(problem.problem.trim().length > 0 && !problem.problem.endsWith("."), "problem is a fragment");
  assert.ok(
    problem.fix.includes(expected.fix),
    `fix ${JSON.stringify(problem.fix)} lacks ${JSON.stringify(expected.fix)}`,
  );
  assert.ok(problem.fix.length >= 10, "the fix says what to do");
}
