/**
 * One thing wrong with a component's configuration, phrased so that a user can fix it without reading code:
 * which field, what value it had, what is wrong with it, and what to do instead.
 */
export interface ConfigProblem {
  /** Dotted path of the argument, e.g. `tunnel.routedPrefix`. */
  field: string;
  /** The value as given (secrets must be redacted by the caller before they get here). */
  value: unknown;
  /** What is wrong, as a sentence fragment without a trailing period. */
  problem: string;
  /** What to do instead. */
  fix: string;
}

/**
 * Thrown when a component's arguments are invalid. It carries every problem found, not just the first, so a
 * user fixes a configuration in one round instead of one error per `pulumi up` (the pulumi-awsx style).
 *
 * It is thrown before any resource is registered, so an invalid configuration never half-applies.
 */
export class InvalidConfigError extends Error {
  /** The component class, e.g. `MailServer`. */
  readonly component: string;
  /** The Pulumi resource name of the component instance. */
  readonly resourceName: string;
  readonly problems: readonly ConfigProblem[];

  constructor(component: string, resourceName: string, problems: readonly ConfigProblem[]) {
    super(formatProblems(component, resourceName, problems));
    this.name = "InvalidConfigError";
    this.component = component;
    this.resourceName = resourceName;
    this.problems = problems;
  }
}

/**
 * Renders problems as `Invalid MailServer "mx1":` followed by one ` - field = value: problem. Fix: fix` line each.
 *
 * @example
 * formatProblems("HeTunnel", "he", [{ field: "mtu", value: 9000, problem: "must be 1280..1480", fix: "use 1480" }]);
 * // Invalid HeTunnel "he":
 * //  - mtu = 9000: must be 1280..1480. Fix: use 1480
 */
export function formatProblems(
  component: string,
  resourceName: string,
  problems: readonly ConfigProblem[],
): string {
  const lines = problems.map((p) => ` - ${p.field} = ${describeValue(p.value)}: ${p.problem}. Fix: ${p.fix}`);
  return [`Invalid ${component} "${resourceName}":`, ...lines].join("\n");
}

function describeValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Collects problems while a configuration is checked, then throws them all at once.
 *
 * @example
 * const problems = new ConfigProblems();
 * problems.add("mtu", 9000, "must be between 1280 and 1480", "use 1480 (1500 minus the 20-byte IPv4 header)");
 * problems.throwIfAny("HeTunnel", "he");
 */
export class ConfigProblems {
  private readonly collected: ConfigProblem[] = [];

  /** The problems collected so far, in the order found. */
  get list(): readonly ConfigProblem[] {
    return this.collected;
  }

  add(field: string, value: unknown, problem: string, fix: string): void {
    this.collected.push({ field, value, problem, fix });
  }

  addAll(problems: readonly ConfigProblem[]): void {
    this.collected.push(...problems);
  }

  /** Throws an {@link InvalidConfigError} holding every collected problem, if there is at least one. */
  throwIfAny(component: string, resourceName: string): void {
    if (this.collected.length > 0) {
      throw new InvalidConfigError(component, resourceName, [...this.collected]);
    }
  }
}
