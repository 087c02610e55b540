import type { AnalyzeStackRequest, AnalyzerResource } from "@pulumi/pulumi/proto/analyzer_pb";
import { ResourceView, viewResource } from "../core/resource-view";
import { plainWireValue } from "../core/wire-values";

function urnsIn(urns: readonly string[], stack: ReadonlySet<string>): string[] {
  return urns.filter((u) => stack.has(u));
}

function view(r: AnalyzerResource, stack: ReadonlySet<string>): ResourceView {
  const propertyDependencies: Record<string, string[]> = {};
  r.getPropertydependenciesMap().forEach((deps, key) => {
    propertyDependencies[key] = urnsIn(deps.getUrnsList(), stack);
  });
  const props = plainWireValue(r.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>;
  const parent = r.getParent() || r.getOptions()?.getParent() || undefined;
  return viewResource({
    type: r.getType(),
    urn: r.getUrn(),
    name: r.getName(),
    props,
    parent,
    dependencies: urnsIn(r.getDependenciesList(), stack),
    propertyDependencies,
  });
}

/**
 * The stack of an `AnalyzeStack` request as the rules read it, each resource's properties read once from the
 * engine's `Struct` (secrets unwrapped, unknown sentinels kept, see `wire-values.ts` and `unknown.ts`).
 * Dependencies on resources outside the request are dropped, as `@pulumi/policy` drops them.
 */
export function resourceViews(request: AnalyzeStackRequest): ResourceView[] {
  const resources = request.getResourcesList();
  const stack = new Set(resources.map((r) => r.getUrn()));
  return resources.map((r) => view(r, stack));
}
