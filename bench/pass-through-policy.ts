import type { StackValidationPolicy } from "@pulumi/policy";

/**
 * The baseline of the policy benchmark: stack policies that visit every resource and judge nothing. Run
 * through the same analyzer handler as the pack, they cost what any stack policy costs on this stack (the
 * handler hands each stack policy its own resource objects behind the unknown-checking proxy), so the pack's
 * ratio to them is the cost of the rules themselves.
 *
 * `count` policies: 1 is the literal baseline (one pass-through policy); as many as the pack has stack
 * policies separates the per-policy framework cost from the rules' own work.
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
