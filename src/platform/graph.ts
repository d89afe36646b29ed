// The components' dependsOn graph: cycles found and named, and the order in which a set of components
// is upgraded (dependencies first, ties by name, so the same workspace always gives the same order).
import { naturalCompare } from '../lib/natural-compare.ts';

/** Component name → the names it depends on. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/**
 * The first dependency cycle, as the path that closes it (["a", "b", "a"]), or undefined. Names are
 * visited in order, so the same graph always reports the same cycle. Unknown names are ignored here.
 */
export function findCycle(graph: DependencyGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, 'open');
    stack.push(name);
    for (const dep of graph.get(name) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === 'open') return [...stack.slice(stack.indexOf(dep)), dep];
      if (state.get(dep) === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of [...graph.keys()].sort(naturalCompare)) {
    if (state.get(name) !== undefined) continue;
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** Every component `name` depends on, directly or through others. */
export function dependenciesOf(graph: DependencyGraph, name: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...(graph.get(name) ?? [])];
  for (let dep = todo.pop(); dep !== undefined; dep = todo.pop()) {
    if (seen.has(dep) || dep === name) continue;
    seen.add(dep);
    todo.push(...(graph.get(dep) ?? []));
  }
  return seen;
}

export interface OrderedComponent {
  readonly name: string;
  /** Components of the same set it waits for (directly or through components outside the set). */
  readonly after: readonly string[];
}

/**
 * The components of `subset` in upgrade order: a component comes after every member of the subset it
 * depends on, even through components outside the subset; among those free to go, by name.
 * The graph must have no cycle (the loader refuses one).
 */
export function upgradeOrder(graph: DependencyGraph, subset: Iterable<string>): OrderedComponent[] {
  const members = new Set(subset);
  const waitsFor = new Map<string, string[]>();
  for (const name of members) waitsFor.set(name, [...dependenciesOf(graph, name)].filter((d) => members.has(d)).sort(naturalCompare));
  const done = new Set<string>();
  const out: OrderedComponent[] = [];
  while (out.length < members.size) {
    const ready = [...members].filter((n) => !done.has(n) && (waitsFor.get(n) ?? []).every((d) => done.has(d))).sort(naturalCompare);
    const next = ready[0];
    if (next === undefined) throw new Error(`no order exists for ${[...members].filter((n) => !done.has(n)).join(', ')}: their dependencies form a cycle`);
    done.add(next);
    out.push({ name: next, after: waitsFor.get(next) ?? [] });
  }
  return out;
}
