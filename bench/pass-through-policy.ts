import type { StackValidationPolicy } from "@pulumi/policy";

/**
 * The baseline of the policy item: stack policies that visit every resource and judge nothing. On
 * `@pulumi/policy`'s handler each one costs what any stack policy costs on the stack before it judges
 * anything: its own copy of every resource (properties deserialized, behind the unknown-checking proxy, with
 * options and dependency maps).
 */
export function passThroughPolicies(count: number): StackValidationPolicy[] {
  return Array.from({ length: count }, (_, k) => ({
    name: `pass-through-${k}`,
    description: "Visits every resource and reports nothing.",
    enforcementLevel: "mandatory",
    validateStack: (args) => {
      let seen = 0;
      for (const r of args.resources) if (r.type !== "" && r.urn !== "") seen++;
      if (seen !== args.resources.length) throw new Error("bench: a resource without type or URN");
    },
  }));
}
