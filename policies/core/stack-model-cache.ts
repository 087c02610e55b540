import type { PolicyResource } from "@pulumi/policy";
import { ResourceView, viewResources } from "./resource-view";
import { sameData } from "./same-data";
import { onNextTurn } from "./next-turn";
import { StackModel } from "./stack-model";
import { unwrapPolicyProps } from "./unknown";

/** The model of one stack and what it was built from. */
interface Entry {
  readonly model: StackModel;
  readonly views: readonly ResourceView[];
  /** Each resource's type and properties as the engine sent them (views rewrite dynamic host scripts). */
  readonly types: readonly string[];
  readonly props: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Shares one {@link StackModel} between the rules during one analysis when they run as `@pulumi/policy` stack
 * policies (`packArgs`, see `stack-policies.ts`; the pack's own analyzer builds the model once anyway).
 *
 * Each rule is then its own CrossGuard stack policy, and `@pulumi/policy`'s analyzer server hands every stack
 * policy new resource objects with new property objects, each behind a new unknown-checking proxy, so object
 * identity cannot say "this is the stack the previous rule saw". Building the model once per rule cost most of
 * the rules' time, so the cache keeps the model of the last stack and hands it out again only after checking
 * that the stack it is given is the same data: the same resources in the same order, with the same type, URN,
 * name, parent, dependencies, property dependencies and properties (compared exactly by {@link sameData}).
 * Any difference, however small, builds a fresh model; a check costs no allocation and one walk over the
 * properties, a fraction of building the model.
 *
 * Memory stays bounded: one stack's model at a time, dropped as soon as the event loop turns (`onNextTurn`).
 * The analyzer server calls the pack's stack policies one after the other within one turn, so the rules of one
 * analysis share the model and no model outlives its analysis. If a host of the pack ever waits between
 * policies, the model is rebuilt: slower, never wrong.
 *
 * The model holds no rule's config: what a rule's config changes is applied by the rule to the shared model
 * (see `buildPrefixIndex`), so rules with different config can share it.
 */
export class StackModelCache {
  private entry?: Entry;
  private releaseScheduled = false;
  private hits = 0;
  private builds = 0;

  /** The model of `resources`: the cached one when the stack is the same data, else a fresh one. */
  modelOf(resources: readonly PolicyResource[]): StackModel {
    const props = resources.map((r) => unwrapPolicyProps(r.props));
    const cached = this.entry;
    if (cached && sameStack(cached, resources, props)) {
      this.hits++;
      return cached.model;
    }
    const views = viewResources(resources);
    const model = new StackModel(views);
    this.builds++;
    this.entry = { model, views, types: resources.map((r) => r.type), props };
    this.scheduleRelease();
    return model;
  }

  /** How many times a model was handed out again and how many were built (for tests and the bench). */
  stats(): { readonly hits: number; readonly builds: number } {
    return { hits: this.hits, builds: this.builds };
  }

  /** Drops the cached model now. */
  clear(): void {
    this.entry = undefined;
  }

  private scheduleRelease(): void {
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    onNextTurn(() => {
      this.releaseScheduled = false;
      this.entry = undefined;
    });
  }
}

/** Whether the engine's resources are exactly the ones the cached model was built from. */
function sameStack(
  entry: Entry,
  resources: readonly PolicyResource[],
  props: readonly Record<string, unknown>[],
): boolean {
  const { views } = entry;
  if (resources.length !== views.length) return false;
  // Names and edges first: a different stack usually differs there, and those checks are cheap.
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i];
    const v = views[i];
    if (r.urn !== v.urn || r.type !== entry.types[i] || r.name !== v.name) return false;
    if ((r.parent?.urn ?? r.opts?.parent) !== v.parent) return false;
    if (!sameUrns(r.dependencies, v.dependencies)) return false;
    const deps = r.propertyDependencies ?? {};
    const keys = Object.keys(deps);
    const cachedKeys = Object.keys(v.propertyDependencies);
    if (keys.length !== cachedKeys.length) return false;
    for (let k = 0; k < keys.length; k++) {
      if (keys[k] !== cachedKeys[k]) return false;
      if (!sameUrns(deps[keys[k]], v.propertyDependencies[keys[k]])) return false;
    }
  }
  for (let i = 0; i < resources.length; i++) {
    if (!sameData(props[i], entry.props[i])) return false;
  }
  return true;
}

function sameUrns(resources: readonly PolicyResource[] | undefined, urns: readonly string[]): boolean {
  const list = resources ?? [];
  if (list.length !== urns.length) return false;
  for (let i = 0; i < list.length; i++) if (list[i]?.urn !== urns[i]) return false;
  return true;
}
