// The difference between two workspace files: components added, removed, moved to another version (a
// downgrade flagged) or unchanged, what else changed about each, and the order in which the changed
// ones would be upgraded (dependencies first, ties by name).
import { naturalCompare } from '../lib/natural-compare.ts';
import type { ChangelogSpan } from './changelog.ts';
import { upgradeOrder } from './graph.ts';
import type { OrderedComponent } from './graph.ts';
import type { Component, Workspace } from './schema.ts';
import { direction } from './semver.ts';
import type { Direction } from './semver.ts';

/** What else about a component differs, besides its version. */
export type ChangedField =
  | 'upgrade'
  | 'rollback'
  | 'dependsOn'
  | 'backup'
  | 'silences'
  | 'checks.http'
  | 'checks.deployments'
  | 'checks.imageTag'
  | 'checks.command'
  | 'checks.commandTimeout'
  | 'checks.prometheus'
  | 'checks.builtin'
  | 'checks.thresholds';

export interface AddedComponent {
  readonly name: string;
  readonly version: string;
  readonly component: Component;
}

export interface RemovedComponent {
  readonly name: string;
  readonly version: string;
}

export interface UpgradedComponent {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** "downgrade" is flagged in every rendering; "unknown" when a version is not semantic. */
  readonly direction: Direction;
  readonly changed: readonly ChangedField[];
  readonly component: Component;
  /** Filled by readChangelogs when the component has a changelog file. */
  readonly changelog?: ChangelogSpan & { readonly file: string };
}

export interface UnchangedComponent {
  readonly name: string;
  readonly version: string;
  /** Same version, other fields changed: noted, not upgraded. */
  readonly changed: readonly ChangedField[];
}

export interface WorkspaceDiff {
  readonly added: readonly AddedComponent[];
  readonly removed: readonly RemovedComponent[];
  readonly upgraded: readonly UpgradedComponent[];
  readonly unchanged: readonly UnchangedComponent[];
  /** Added and upgraded components in the order they would be upgraded. */
  readonly order: readonly OrderedComponent[];
}

export function diffWorkspaces(before: Workspace, after: Workspace): WorkspaceDiff {
  const old = new Map(before.spec.components.map((c) => [c.name, c]));
  const now = new Map(after.spec.components.map((c) => [c.name, c]));
  const byName = <T extends { name: string }>(list: T[]): T[] => list.sort((a, b) => naturalCompare(a.name, b.name));
  const added: AddedComponent[] = [];
  const upgraded: UpgradedComponent[] = [];
  const unchanged: UnchangedComponent[] = [];
  for (const c of now.values()) {
    const prev = old.get(c.name);
    if (!prev) added.push({ name: c.name, version: c.version, component: c });
    else if (prev.version !== c.version) upgraded.push({ name: c.name, from: prev.version, to: c.version, direction: direction(prev.version, c.version), changed: changedFields(prev, c), component: c });
    else unchanged.push({ name: c.name, version: c.version, changed: changedFields(prev, c) });
  }
  const removed = [...old.values()].filter((c) => !now.has(c.name)).map((c) => ({ name: c.name, version: c.version }));
  const graph = new Map(after.spec.components.map((c) => [c.name, c.dependsOn]));
  const order = upgradeOrder(graph, [...added, ...upgraded].map((c) => c.name));
  return { added: byName(added), removed: byName(removed), upgraded: byName(upgraded), unchanged: byName(unchanged), order };
}

/** Whether the diff has anything to upgrade, or anything at all to say. */
export function hasChanges(diff: WorkspaceDiff): boolean {
  return diff.added.length > 0 || diff.removed.length > 0 || diff.upgraded.length > 0 || diff.unchanged.some((c) => c.changed.length > 0);
}

function changedFields(a: Component, b: Component): ChangedField[] {
  const out: ChangedField[] = [];
  const differs = (x: unknown, y: unknown) => JSON.stringify(x ?? null) !== JSON.stringify(y ?? null);
  // changelog paths are not compared: they resolve against each file's own folder
  for (const key of ['upgrade', 'rollback', 'dependsOn', 'backup', 'silences'] as const) {
    if (key === 'dependsOn' ? differs([...a.dependsOn].sort(), [...b.dependsOn].sort()) : differs(a[key], b[key])) out.push(key);
  }
  for (const key of ['http', 'deployments', 'imageTag', 'command', 'commandTimeout', 'prometheus', 'builtin', 'thresholds'] as const) {
    if (differs(a.checks[key], b.checks[key])) out.push(`checks.${key}`);
  }
  return out;
}
