// A component's Markdown changelog (`## <version>` headings, newest first or not) read into entries, and
// the entries an upgrade passes through, with breaking changes picked out: lines that say BREAKING, and
// every line under a heading that names breaking changes ("### Breaking changes").
import { compareVersions, parseVersion } from './semver.ts';
import type { Version } from './semver.ts';

/** The entry type is the engine's (a changelog step carries them): src/engine/ports/platform.ts. */
export type { ChangelogEntry } from '../engine/ports/platform.ts';
import type { ChangelogEntry } from '../engine/ports/platform.ts';

const ENTRY_HEADING = /^##\s+(.+?)\s*#*\s*$/;
const SUB_HEADING = /^#{3,6}\s+(.+?)\s*#*\s*$/;
const VERSION_IN_HEADING = /\[?\b(v?\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?)\]?/;
const BREAKING_WORD = /\bBREAKING\b/;
const BREAKING_HEADING = /breaking/i;

/** Every `##` entry whose heading holds a version; others ("## Unreleased") and the text above the first are skipped. */
export function parseChangelog(text: string): ChangelogEntry[] {
  const out: { version: string; line: number; lines: string[]; breaking: string[] }[] = [];
  let current: (typeof out)[number] | undefined;
  let underBreaking = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const entry = ENTRY_HEADING.exec(line);
    if (entry && !line.startsWith('###')) {
      const version = VERSION_IN_HEADING.exec(entry[1] as string)?.[1];
      current = version && parseVersion(version) ? { version, line: i + 1, lines: [], breaking: [] } : undefined;
      if (current) out.push(current);
      underBreaking = false;
      return;
    }
    if (!current || line === '') return;
    const sub = SUB_HEADING.exec(line);
    if (sub) underBreaking = BREAKING_HEADING.test(sub[1] as string);
    current.lines.push(line);
    // a heading is not a change itself: the lines under it are
    if (!sub && (underBreaking || BREAKING_WORD.test(line))) current.breaking.push(withoutBullet(line));
  });
  return out;
}

/** A list item's text without its marker: "- x", "* x", "1. x" → "x". */
export function withoutBullet(line: string): string {
  return line.replace(/^(?:[-*+]|\d+[.)])\s+/, '');
}

export interface ChangelogSpan {
  /** Entries passed through, newest first: (from, to] for an upgrade, (to, from] for a downgrade (what it undoes). */
  readonly entries: readonly ChangelogEntry[];
  /** Every breaking line among them, each with its version. */
  readonly breaking: readonly { readonly version: string; readonly text: string }[];
  /** The changelog has no entry for the target version (it may be out of date). */
  readonly missingTarget: boolean;
}

/** The entries between two versions; entries whose version cannot be compared are left out. */
export function changelogBetween(entries: readonly ChangelogEntry[], from: string, to: string): ChangelogSpan {
  const a = parseVersion(from);
  const b = parseVersion(to);
  if (!a || !b) return { entries: [], breaking: [], missingTarget: !entries.some((e) => e.version === to) };
  const [low, high] = compareVersions(a, b) <= 0 ? [a, b] : [b, a];
  const picked = entries
    .map((e) => ({ e, v: parseVersion(e.version) as Version }))
    .filter(({ v }) => compareVersions(v, low) > 0 && compareVersions(v, high) <= 0)
    .sort((x, y) => compareVersions(y.v, x.v))
    .map(({ e }) => e);
  return {
    entries: picked,
    breaking: picked.flatMap((e) => e.breaking.map((text) => ({ version: e.version, text }))),
    missingTarget: !entries.some((e) => compareVersions(parseVersion(e.version) as Version, b) === 0),
  };
}
