import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem, formatProblems } from "../net";

/**
 * The error a component fails with when a value that was an output of another resource turns out invalid
 * once it is known: Pulumi's {@link pulumi.ResourceError}, attached to the component and without a stack
 * trace, so the CLI reports it under that resource as `error: Invalid MailServer "mx1": …` (the message of
 * {@link InvalidConfigError}: every problem with its field, value and fix) and the update fails.
 */
export class LateConfigError extends pulumi.ResourceError {
  /** The component class, e.g. `MailServer`. */
  readonly component: string;
  readonly resourceName: string;
  readonly problems: readonly ConfigProblem[];

  constructor(
    resource: pulumi.Resource,
    component: string,
    resourceName: string,
    problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(component, resourceName, problems), resource, true);
    this.name = "LateConfigError";
    this.component = component;
    this.resourceName = resourceName;
    this.problems = problems;
  }
}

/**
 * The check a component runs on values it only learns once other resources exist (a droplet's IPv4, a Hetzner
 * server's /64, an address given as another stack's output), and how its resources are held back when the
 * check fails.
 *
 * Why this shape: the Node.js SDK reports a resource that cannot be registered through a promise rejection
 * the engine's language host catches. A problem thrown inside an `apply` that feeds resource inputs is
 * reported once per property it reaches, each time with `error serializing property "…":` prepended, as an
 * "unhandled exception" with a stack trace; registered outputs derived from it fail too. Instead, the
 * problems are computed once ({@link LateCheck.problems}); one {@link LateConfigError} is raised from them;
 * every resource that takes a checked value lists {@link LateCheck.gate} in `dependsOn`, which the SDK awaits
 * before it serializes any input, so those resources are never registered and all of them fail with that
 * same error object (which the language host reports once, and which `ipv6-mail/testing` returns as the
 * run's error). Values the component publishes as outputs go through {@link LateCheck.published} and fall
 * back to a placeholder instead of failing a second time. During a preview the values are unknown and the
 * check runs at the update, before anything reaches a host.
 *
 * A value given as a secret is not shown in the error: its problems read `(secret)`.
 */
export class LateCheck {
  /** Resolves once the values passed the check; rejects with the one {@link LateConfigError} otherwise. */
  private readonly passed: pulumi.Output<true>;
  /** For `dependsOn` of every resource that takes a checked value: rejects when the check fails. */
  readonly gate: pulumi.Output<pulumi.Resource[]>;

  /**
   * @param problems the problems of the values once known (an empty list when they are fine). When it
   *   depends on another component's checked value that failed, this check fails with that component's error.
   */
  constructor(
    resource: pulumi.Resource,
    component: string,
    resourceName: string,
    problems: pulumi.Output<ConfigProblem[]>,
  ) {
    const secret = pulumi.output(pulumi.isSecret(problems));
    this.passed = pulumi.all([problems, secret]).apply(([found, isSecret]): true => {
      if (found.length === 0) return true;
      const shown = isSecret ? found.map((p) => ({ ...p, value: "(secret)" })) : found;
      throw new LateConfigError(resource, component, resourceName, shown);
    });
    this.gate = this.passed.apply((): pulumi.Resource[] => []);
  }

  /**
   * `value` once the check passed; the check's error otherwise. Only for inputs of resources gated by
   * {@link LateCheck.gate} (and of child components, whose own gates then fail with the same error).
   */
  checked<T>(value: pulumi.Input<T>): pulumi.Output<pulumi.Unwrap<T>> {
    // One apply: an Output returned from it is unwrapped, its secrecy and dependencies kept (wrapping it in
    // `pulumi.output` again would cost an apply of its own).
    const unwrapped = pulumi.Output.isInstance(value) ? value : pulumi.output(value);
    return this.passed.apply(() => unwrapped) as pulumi.Output<pulumi.Unwrap<T>>;
  }

  /** `value` once the check passed, else `fallback`: for outputs the component publishes and registers. */
  published<T>(value: pulumi.Input<T>, fallback: pulumi.Unwrap<T>): pulumi.Output<pulumi.Unwrap<T>> {
    return pulumi.recover(this.checked(value), () => fallback);
  }

  /** `dependsOn` for a gated resource that also depends on `others`. */
  gateWith(others: readonly pulumi.Resource[]): pulumi.Output<pulumi.Resource[]> {
    return this.gate.apply((none) => [...none, ...others]);
  }
}
