import { globToRegExp } from "./glob";
import { nameOfUrn } from "./resource-view";

/** The shortest reason an exception may give: enough for a sentence a reviewer can judge. */
export const MIN_REASON_LENGTH = 10;

/**
 * A reasoned, expiring, per-resource exception as written in the policy config:
 * `{ rule, resource, reason, expires }`. `resource` is a logical name or a URN glob; `expires` a date
 * (`YYYY-MM-DD`, valid through that day, UTC). Under a rule's own config `rule` may be left out.
 */
export interface ExceptionSpec {
  readonly rule?: string;
  readonly resource: string;
  readonly reason: string;
  readonly expires: string;
}

/** An exception after validation. */
export interface CheckedException {
  readonly index: number;
  readonly spec: ExceptionSpec;
  /** Problems that make the exception unusable (it is then never applied). */
  readonly problems: readonly string[];
  readonly expired: boolean;
  /** Whether a finding's resource (by URN or name) is covered. */
  matches(urn: string | undefined): boolean;
}

function parseDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) &&
    date.getUTCMonth() === Number(m[2]) - 1 &&
    date.getUTCDate() === Number(m[3])
    ? date
    : undefined;
}

/**
 * Validates the exceptions configured for one rule. An exception is unusable when its reason is shorter than
 * {@link MIN_REASON_LENGTH} characters, its date does not parse, its resource is empty, or it names another
 * rule; it is expired once its date has passed.
 */
export function checkExceptions(raw: unknown, ruleId: string, today: Date): CheckedException[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return list.map((entry, index) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const spec: ExceptionSpec = {
      rule: typeof e.rule === "string" ? e.rule : undefined,
      resource: typeof e.resource === "string" ? e.resource.trim() : "",
      reason: typeof e.reason === "string" ? e.reason.trim() : "",
      expires: typeof e.expires === "string" ? e.expires.trim() : String(e.expires ?? ""),
    };
    const problems: string[] = [];
    if (spec.rule !== undefined && spec.rule !== ruleId)
      problems.push(`it names rule "${spec.rule}" but is configured under "${ruleId}"`);
    if (spec.resource === "") problems.push("it names no resource (give a logical name or a URN glob)");
    if (spec.reason.length < MIN_REASON_LENGTH) {
      problems.push(
        `its reason "${spec.reason}" is shorter than ${MIN_REASON_LENGTH} characters; say why the risk is acceptable`,
      );
    }
    const date = parseDate(spec.expires);
    if (!date) problems.push(`its expiry "${spec.expires}" is not a date (YYYY-MM-DD)`);
    const expired = date !== undefined && date.getTime() < todayUtc;
    const pattern = spec.resource === "" ? undefined : globToRegExp(spec.resource);
    return {
      index,
      spec,
      problems,
      expired,
      matches: (urn: string | undefined) =>
        urn !== undefined && pattern !== undefined && (pattern.test(urn) || pattern.test(nameOfUrn(urn))),
    };
  });
}
