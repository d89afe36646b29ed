// Component versions as semantic versions ("1.15.3", "v11.4.0", "2.15", "1.0.0-rc.1"): parsed and
// compared so a diff can tell an upgrade from a downgrade, and a changelog's entries can be picked.

export interface Version {
  readonly text: string;
  /** major, minor, patch; a missing patch counts as 0 ("2.15" = 2.15.0). */
  readonly core: readonly [number, number, number];
  /** Pre-release identifiers after "-" ("rc", 1); empty for a release. */
  readonly pre: readonly (string | number)[];
}

/** At least major.minor, so a date ("2026-07-01") or a build number is not mistaken for one. */
const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** The version in `text`, or undefined when it is not one (a date, a git sha, "latest"). */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const pre = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  return { text, core: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)], pre };
}

/** Negative when a < b, 0 when equal in precedence (build metadata ignored), positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const d = (a.core[i] as number) - (b.core[i] as number);
    if (d !== 0) return d;
  }
  // a release ranks above its pre-releases (SemVer 2.0.0, rule 11)
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const d = comparePart(x, y);
    if (d !== 0) return d;
  }
  return 0;
}

function comparePart(x: string | number, y: string | number): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'number') return -1;
  if (typeof y === 'number') return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

export type Direction = 'upgrade' | 'downgrade' | 'same' | 'unknown';

/** Which way `from` → `to` goes; "unknown" when either is not a semantic version. */
export function direction(from: string, to: string): Direction {
  const a = parseVersion(from);
  const b = parseVersion(to);
  if (!a || !b) return from === to ? 'same' : 'unknown';
  const d = compareVersions(a, b);
  return d < 0 ? 'upgrade' : d > 0 ? 'downgrade' : 'same';
}

/** Whether two tags name the same version, with or without a leading "v" ("v1.15.3" = "1.15.3"). */
export function sameVersionText(a: string, b: string): boolean {
  return a.replace(/^v(?=\d)/, '') === b.replace(/^v(?=\d)/, '');
}
