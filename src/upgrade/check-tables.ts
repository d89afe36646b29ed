// Consistency check of the shipped upgrade tables (releases, removed APIs): what a wrong edit of the
// data would break, found by a test before a user trusts a plan built on it.
import { RELEASES } from './data/releases.ts';
import type { Release } from './data/releases.ts';
import { REMOVED_APIS } from './data/removed-apis.ts';
import type { RemovedApi } from './data/removed-apis.ts';
import { apiVersionOf } from './api-index.ts';
import { minorOf, parseVersion } from './version.ts';

export interface UpgradeTables {
  readonly releases: readonly Release[];
  readonly removedApis: readonly RemovedApi[];
}

export interface TableProblem {
  readonly table: 'releases' | 'removed-apis';
  /** Index of the row in its table. */
  readonly row: number;
  readonly message: string;
}

export const SHIPPED_TABLES: UpgradeTables = { releases: RELEASES, removedApis: REMOVED_APIS };

/** Every inconsistency in the tables; empty when they can be trusted. */
export function checkTables(t: UpgradeTables = SHIPPED_TABLES): TableProblem[] {
  return [...checkReleases(t.releases), ...checkRemovedApis(t.removedApis)];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isDate(s: string): boolean {
  return ISO_DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

function checkReleases(releases: readonly Release[]): TableProblem[] {
  const problems: TableProblem[] = [];
  const at = (row: number, message: string) => problems.push({ table: 'releases', row, message });
  let previous: number | undefined;
  releases.forEach((r, row) => {
    const minor = minorOf(r.minor);
    if (minor === undefined) at(row, `minor "${r.minor}" is not a minor like "1.31"`);
    else if (previous !== undefined && minor !== previous + 1) at(row, `minor ${r.minor} follows 1.${previous}: minors must be contiguous and ascending (expected 1.${previous + 1})`);
    if (minor !== undefined) previous = minor;
    const dates = { released: r.released, endOfStandardSupport: r.endOfStandardSupport, endOfLife: r.endOfLife };
    const bad = Object.entries(dates).filter(([, d]) => !isDate(d));
    for (const [field, d] of bad) at(row, `${r.minor} ${field} "${d}" is not a date like 2025-08-28`);
    if (bad.length === 0) {
      if (!(r.released < r.endOfStandardSupport)) at(row, `${r.minor}: released ${r.released} must be before the end of standard support ${r.endOfStandardSupport}`);
      if (!(r.endOfStandardSupport <= r.endOfLife)) at(row, `${r.minor}: end of standard support ${r.endOfStandardSupport} must not be after the end of life ${r.endOfLife}`);
    }
    const patch = parseVersion(r.latestPatch);
    if (patch?.patch === undefined || patch.minor !== minor) at(row, `${r.minor}: latest patch "${r.latestPatch}" is not a patch of ${r.minor}`);
  });
  return problems;
}

function checkRemovedApis(apis: readonly RemovedApi[]): TableProblem[] {
  const problems: TableProblem[] = [];
  const seen = new Map<string, number>();
  apis.forEach((a, row) => {
    const at = (message: string) => problems.push({ table: 'removed-apis', row, message: `${apiVersionOf(a)} ${a.kind}: ${message}` });
    const key = `${a.group}/${a.version}/${a.kind}`;
    const first = seen.get(key);
    if (first !== undefined) at(`duplicate of row ${first}; keep one row per group, version and kind`);
    else seen.set(key, row);
    if (!a.version || !a.kind) at('version and kind must not be empty');
    const removed = minorOf(a.removedIn);
    if (removed === undefined) at(`removedIn "${a.removedIn}" is not a minor like "1.25"`);
    if (a.deprecatedIn !== undefined) {
      const deprecated = minorOf(a.deprecatedIn);
      if (deprecated === undefined) at(`deprecatedIn "${a.deprecatedIn}" is not a minor like "1.22"`);
      else if (removed !== undefined && !(deprecated < removed)) at(`deprecatedIn ${a.deprecatedIn} must be before removedIn ${a.removedIn}`);
    }
    if (a.replacement === apiVersionOf(a)) at('the replacement is the removed version itself');
    if (a.replacement !== null && !/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(a.replacement)) at(`replacement "${a.replacement}" is not an apiVersion like "batch/v1"`);
    if (a.replacementSince !== undefined) {
      const since = minorOf(a.replacementSince);
      if (since === undefined) at(`replacementSince "${a.replacementSince}" is not a minor like "1.21"`);
      else if (removed !== undefined && since > removed) at(`the replacement arrives in ${a.replacementSince}, after the removal in ${a.removedIn}`);
    }
  });
  return problems;
}
