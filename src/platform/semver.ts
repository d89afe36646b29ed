// Component versions as semantic versions ("1.15.3", "v11.4.0", "2.15", "1.0.0-rc.1"): parsed and
// compared by the `semver` package, so a diff can tell an upgrade from a downgrade, and a changelog's
// entries can be picked. Ours is only the shape accepted: a missing patch counts as 0, and a date or a
// build number is not a version.
import { SemVer } from 'semver';

export interface Version {
  readonly text: string;
  /** The version as `semver` holds it ("2.15" as 2.15.0). */
  readonly semver: SemVer;
}

/** "2.15", "v2.15", "2.15-rc.1": major.minor without a patch, which `semver` alone does not accept. */
const NO_PATCH = /^(v?\d+\.\d+)(?=$|[-+])/;

/** The version in `text`, or undefined when it is not one (a date, a git sha, "latest"). */
export function parseVersion(text: string): Version | undefined {
  const t = text.trim();
  try {
    return { text, semver: new SemVer(NO_PATCH.test(t) ? t.replace(NO_PATCH, '$1.0') : t) };
  } catch {
    return undefined;
  }
}

/** Negative when a < b, 0 when equal in precedence (build metadata ignored), positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  return a.semver.compare(b.semver);
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
