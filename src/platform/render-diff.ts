// A workspace diff for people (text) and for scripts (JSON): what changes, in which order, and what the
// changelogs say on the way, breaking changes and downgrades called out.
import { relative } from 'node:path';
import type { UpgradedComponent, WorkspaceDiff } from './diff.ts';
import { withoutBullet } from './changelog.ts';
import { hasChanges } from './diff.ts';

export interface DiffJson {
  readonly added: readonly { name: string; version: string }[];
  readonly removed: readonly { name: string; version: string }[];
  readonly upgraded: readonly {
    name: string;
    from: string;
    to: string;
    direction: string;
    downgrade: boolean;
    changed: readonly string[];
    changelog?: UpgradedComponent['changelog'];
  }[];
  readonly unchanged: readonly { name: string; version: string; changed: readonly string[] }[];
  readonly order: readonly { name: string; after: readonly string[] }[];
}

export function diffJson(diff: WorkspaceDiff): DiffJson {
  return {
    added: diff.added.map((c) => ({ name: c.name, version: c.version })),
    removed: diff.removed.map((c) => ({ ...c })),
    upgraded: diff.upgraded.map((u) => ({
      name: u.name,
      from: u.from,
      to: u.to,
      direction: u.direction,
      downgrade: u.direction === 'downgrade',
      changed: u.changed,
      ...(u.changelog ? { changelog: u.changelog } : {}),
    })),
    unchanged: diff.unchanged.map((c) => ({ ...c })),
    order: diff.order.map((o) => ({ ...o })),
  };
}

/** `cwd` makes changelog paths relative for display. */
export function renderDiff(diff: WorkspaceDiff, files: { before: string; after: string }, cwd: string): string {
  const out = [`Platform diff ${files.before} → ${files.after}`];
  if (!hasChanges(diff)) return [...out, '', `No changes: all ${diff.unchanged.length} components are the same.`].join('\n');
  const width = Math.max(...[...diff.added, ...diff.removed, ...diff.upgraded, ...diff.unchanged].map((c) => c.name.length));
  const name = (n: string) => n.padEnd(width);
  if (diff.upgraded.length) {
    out.push('', `Upgraded (${diff.upgraded.length}):`);
    for (const u of diff.upgraded) out.push(`  ${name(u.name)}  ${u.from} → ${u.to}${directionNote(u)}${alsoChanged(u.changed)}`);
  }
  if (diff.added.length) {
    out.push('', `Added (${diff.added.length}):`);
    for (const c of diff.added) out.push(`  ${name(c.name)}  ${c.version}`);
  }
  if (diff.removed.length) {
    out.push('', `Removed (${diff.removed.length}), not uninstalled by a platform phase:`);
    for (const c of diff.removed) out.push(`  ${name(c.name)}  ${c.version}`);
  }
  const changedOnly = diff.unchanged.filter((c) => c.changed.length > 0);
  if (changedOnly.length) {
    out.push('', `Same version, other fields changed (${changedOnly.length}), not upgraded:`);
    for (const c of changedOnly) out.push(`  ${name(c.name)}  ${c.version}  changed: ${c.changed.join(', ')}`);
  }
  const same = diff.unchanged.filter((c) => c.changed.length === 0);
  if (same.length) out.push('', `Unchanged (${same.length}): ${same.map((c) => `${c.name} ${c.version}`).join(', ')}`);
  if (diff.order.length) {
    out.push('', 'Upgrade order:');
    diff.order.forEach((o, i) => out.push(`  ${i + 1}. ${o.after.length ? `${name(o.name)}  after ${o.after.join(', ')}` : o.name}`));
  }
  const upgraded = new Map(diff.upgraded.map((u) => [u.name, u]));
  for (const o of diff.order) {
    const u = upgraded.get(o.name);
    if (u?.changelog) out.push('', ...renderChangelog(u, cwd));
  }
  return out.join('\n');
}

function directionNote(u: UpgradedComponent): string {
  if (u.direction === 'downgrade') return '  DOWNGRADE';
  if (u.direction === 'unknown') return '  (not semantic versions: direction unknown)';
  if (u.direction === 'same') return '  (the same version, written differently)';
  return '';
}

function alsoChanged(changed: readonly string[]): string {
  return changed.length ? `  also changed: ${changed.join(', ')}` : '';
}

function renderChangelog(u: UpgradedComponent, cwd: string): string[] {
  const log = u.changelog;
  if (!log) return [];
  const file = relative(cwd, log.file) || log.file;
  const verb = u.direction === 'downgrade' ? 'undone by the downgrade' : 'between';
  const out = [`Changelog ${u.name} ${u.from} → ${u.to} (${file}), entries ${verb}:`];
  if (log.missingTarget) out.push(`  note: the changelog has no entry for ${u.to}; it may be out of date`);
  if (log.entries.length === 0) out.push('  (no entries)');
  for (const e of log.entries) {
    out.push(`  ${e.version}`);
    for (const line of e.lines) out.push(`    ${e.breaking.includes(withoutBullet(line)) ? '! ' : ''}${line}`);
  }
  if (log.breaking.length) {
    out.push(`  BREAKING CHANGES (${log.breaking.length}):`);
    for (const b of log.breaking) out.push(`    ${b.version}: ${b.text}`);
  }
  return out;
}
