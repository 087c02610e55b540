import { ConfigProblem } from "./config-problem";

/**
 * The rule of one setting, declared once: which values are valid, the default, and what a user who gave
 * another value is told. The components check user input against it ({@link checkSetting}, which collects
 * a problem naming the user's field); the host-config renderers assert it on the values they are handed
 * ({@link settingValue}, which throws: the component checked first, so a failure there is a bug of the
 * caller). One declaration keeps the two from drifting apart (a bound of 600 in the component and 3600 in
 * the renderer, a default of 60 in one and 120 in the other).
 */
export interface Setting<T> {
  /** Whether `value` is valid. */
  readonly accepts: (value: unknown) => value is T;
  /** The value when none is given; a setting without one is required where it is used. */
  readonly default?: T;
  /** What is wrong with an invalid value, as a sentence fragment without a trailing period. */
  readonly problem: string | ((value: unknown) => string);
  /** What to do instead. */
  readonly fix: string;
}

/** A whole-number setting: its bounds, inclusive, are part of the declaration. */
export interface IntegerSetting extends Setting<number> {
  readonly problem: string;
  readonly min: number;
  readonly max: number;
}

/**
 * Declares a whole number from `min` to `max`. The problem defaults to "must be a whole number from min to
 * max" (with `unit`: "… of seconds …").
 *
 * @example
 * const MTU = integerSetting({ min: 1280, max: 1480, default: 1480, fix: "use 1480" });
 * checkSetting(MTU, 9000, "tunnel.mtu"); // [{ field: "tunnel.mtu", value: 9000, problem: "must be a whole number from 1280 to 1480", … }]
 */
export function integerSetting(declaration: {
  readonly min: number;
  readonly max: number;
  readonly default?: number;
  readonly unit?: string;
  readonly problem?: string;
  readonly fix: string;
}): IntegerSetting {
  const { min, max, unit } = declaration;
  return {
    min,
    max,
    default: declaration.default,
    accepts: (value: unknown): value is number =>
      Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
    problem:
      declaration.problem ?? `must be a whole number${unit ? ` of ${unit}` : ""} from ${min} to ${max}`,
    fix: declaration.fix,
  };
}

/** Declares a text setting that must match `pattern` as a whole. */
export function patternSetting(declaration: {
  readonly pattern: RegExp;
  readonly default?: string;
  readonly problem: string;
  readonly fix: string;
}): Setting<string> {
  const { pattern } = declaration;
  return {
    default: declaration.default,
    accepts: (value: unknown): value is string => typeof value === "string" && pattern.test(value),
    problem: declaration.problem,
    fix: declaration.fix,
  };
}

/**
 * Declares a choice among string literals (`"-all" | "~all"`). The problem defaults to `must be "a" or "b"`.
 */
export function oneOfSetting<T extends string>(declaration: {
  readonly values: readonly T[];
  readonly default?: T;
  readonly problem?: string;
  readonly fix: string;
}): Setting<T> & { readonly values: readonly T[] } {
  const { values } = declaration;
  const quoted = values.map((v) => JSON.stringify(v));
  return {
    values,
    default: declaration.default,
    accepts: (value: unknown): value is T => values.includes(value as T),
    problem:
      declaration.problem ??
      `must be ${quoted.length > 1 ? `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}` : quoted[0]}`,
    fix: declaration.fix,
  };
}

/** The same rule with another default (the SSH port is a TCP port whose default is 22). */
export function withDefault<T, S extends Setting<T>>(setting: S, value: T, fix = setting.fix): S {
  return { ...setting, default: value, fix };
}

function problemOf<T>(setting: Setting<T>, value: unknown): string {
  return typeof setting.problem === "function" ? setting.problem(value) : setting.problem;
}

/**
 * Checks a user's value: no problem when it is valid or not given (the default applies; with `required`, a
 * missing value is a problem too), else one problem named `field`, the field the user set.
 */
export function checkSetting<T>(
  setting: Setting<T>,
  value: unknown,
  field: string,
  required = false,
): ConfigProblem[] {
  if ((value === undefined && !required) || setting.accepts(value)) return [];
  return [{ field, value, problem: problemOf(setting, value), fix: setting.fix }];
}

/**
 * The value a renderer works with: `value`, or the default when it is not given, asserted valid. `where`
 * names the renderer and the spec field (`host-config firewall: rollbackSeconds`).
 *
 * @throws Error when the value breaks the declaration: the calling component did not check it first.
 */
export function settingValue<T>(setting: Setting<T>, value: T | undefined, where: string): T {
  const resolved = value ?? setting.default;
  if (resolved === undefined) throw new Error(`${where} is required`);
  if (!setting.accepts(resolved)) {
    throw new Error(
      `${where} ${JSON.stringify(resolved)} ${problemOf(setting, resolved)} (the component checks it first)`,
    );
  }
  return resolved;
}
