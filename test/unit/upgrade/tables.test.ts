// The shipped upgrade tables hold together (dates in order, contiguous minors, parseable removals, no
// duplicate rows), and the checker finds each kind of mistake in a broken copy, so the check can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTables, SHIPPED_TABLES } from '../../../src/upgrade/check-tables.ts';
import type { UpgradeTables } from '../../../src/upgrade/check-tables.ts';
import { RELEASES, RELEASES_SOURCE } from '../../../src/upgrade/data/releases.ts';
import type { Release } from '../../../src/upgrade/data/releases.ts';
import { REMOVED_APIS, REMOVED_APIS_SOURCE } from '../../../src/upgrade/data/removed-apis.ts';
import type { RemovedApi } from '../../../src/upgrade/data/removed-apis.ts';

/** A fresh copy of the shipped tables with `edit` applied. */
function broken(edit: (t: { releases: Release[]; removedApis: RemovedApi[] }) => void): UpgradeTables {
  const t = { releases: RELEASES.map((r) => ({ ...r })), removedApis: REMOVED_APIS.map((r) => ({ ...r })) };
  edit(t);
  return t;
}

function messages(t: UpgradeTables): string[] {
  return checkTables(t).map((p) => `${p.table}[${p.row}] ${p.message}`);
}

test('the shipped tables have no problems', () => {
  assert.deepEqual(checkTables(SHIPPED_TABLES), []);
  assert.deepEqual(checkTables(), []);
});

test('the shipped tables cover 1.28 to 1.36 and record their sources and the date gathered', () => {
  assert.deepEqual(RELEASES.map((r) => r.minor), ['1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36']);
  assert.deepEqual(RELEASES.find((r) => r.minor === '1.31'), { minor: '1.31', released: '2024-08-13', endOfStandardSupport: '2025-08-28', endOfLife: '2025-11-11', latestPatch: '1.31.14' });
  for (const source of [RELEASES_SOURCE, REMOVED_APIS_SOURCE]) {
    assert.ok(source.urls.length > 0 && source.urls.every((u) => u.startsWith('https://')));
    assert.match(source.gathered, /^\d{4}-\d{2}-\d{2}$/);
  }
  const pdb = REMOVED_APIS.find((r) => r.group === 'policy' && r.version === 'v1beta1' && r.kind === 'PodDisruptionBudget');
  assert.deepEqual(pdb, { group: 'policy', version: 'v1beta1', kind: 'PodDisruptionBudget', removedIn: '1.25', replacement: 'policy/v1', replacementSince: '1.21' });
  assert.equal(REMOVED_APIS.find((r) => r.kind === 'PodSecurityPolicy' && r.group === 'policy')?.replacement, null);
  // the sources give no deprecation minors: none is invented
  assert.ok(REMOVED_APIS.every((r) => r.deprecatedIn === undefined));
});

test('dates out of order are found: released after the end of standard support, standard support after end of life', () => {
  const t = broken((b) => {
    (b.releases[0] as { released: string }).released = '2024-09-01';
    (b.releases[1] as { endOfLife: string }).endOfLife = '2024-12-01';
  });
  assert.deepEqual(messages(t), [
    'releases[0] 1.28: released 2024-09-01 must be before the end of standard support 2024-08-28',
    'releases[1] 1.29: end of standard support 2024-12-28 must not be after the end of life 2024-12-01',
  ]);
});

test('a date that is not a date is found', () => {
  const t = broken((b) => ((b.releases[2] as { endOfLife: string }).endOfLife = '2025-02-30'));
  assert.deepEqual(messages(t), ['releases[2] 1.30 endOfLife "2025-02-30" is not a date like 2025-08-28']);
});

test('a gap or a repeat in the minors is found, and a latest patch of another minor', () => {
  const gap = broken((b) => b.releases.splice(3, 1));
  assert.deepEqual(messages(gap), ['releases[3] minor 1.32 follows 1.30: minors must be contiguous and ascending (expected 1.31)']);
  const repeat = broken((b) => b.releases.splice(1, 0, { ...(b.releases[0] as Release) }));
  assert.deepEqual(messages(repeat), ['releases[1] minor 1.28 follows 1.28: minors must be contiguous and ascending (expected 1.29)']);
  const patch = broken((b) => ((b.releases[0] as { latestPatch: string }).latestPatch = '1.29.1'));
  assert.deepEqual(messages(patch), ['releases[0] 1.28: latest patch "1.29.1" is not a patch of 1.28']);
});

test('removed-API rows: an unparseable removedIn, a replacement equal to the removed version, a duplicate, deprecatedIn not before removedIn', () => {
  const at = (b: { removedApis: RemovedApi[] }, kind: string, group: string) => b.removedApis.findIndex((r) => r.kind === kind && r.group === group);
  const t = broken((b) => {
    const cron = at(b, 'CronJob', 'batch');
    b.removedApis[cron] = { ...(b.removedApis[cron] as RemovedApi), removedIn: 'v1.25.0' };
    const pdb = at(b, 'PodDisruptionBudget', 'policy');
    b.removedApis[pdb] = { ...(b.removedApis[pdb] as RemovedApi), replacement: 'policy/v1beta1' };
    const lease = at(b, 'Lease', 'coordination.k8s.io');
    b.removedApis[lease] = { ...(b.removedApis[lease] as RemovedApi), deprecatedIn: '1.22' };
    b.removedApis.push({ ...(b.removedApis[lease] as RemovedApi), deprecatedIn: undefined });
  });
  const found = messages(t);
  const n = REMOVED_APIS.length;
  const idx = (kind: string, group: string) => REMOVED_APIS.findIndex((r) => r.kind === kind && r.group === group);
  assert.deepEqual(found, [
    `removed-apis[${idx('Lease', 'coordination.k8s.io')}] coordination.k8s.io/v1beta1 Lease: deprecatedIn 1.22 must be before removedIn 1.22`,
    `removed-apis[${idx('CronJob', 'batch')}] batch/v1beta1 CronJob: removedIn "v1.25.0" is not a minor like "1.25"`,
    `removed-apis[${idx('PodDisruptionBudget', 'policy')}] policy/v1beta1 PodDisruptionBudget: the replacement is the removed version itself`,
    `removed-apis[${n}] coordination.k8s.io/v1beta1 Lease: duplicate of row ${idx('Lease', 'coordination.k8s.io')}; keep one row per group, version and kind`,
  ]);
});

test('a replacement that is not an apiVersion, or that arrives after the removal, is found', () => {
  const t = broken((b) => {
    b.removedApis[0] = { ...(b.removedApis[0] as RemovedApi), replacement: 'networking v1' };
    b.removedApis[1] = { ...(b.removedApis[1] as RemovedApi), replacementSince: '1.17' };
  });
  assert.deepEqual(messages(t), [
    'removed-apis[0] extensions/v1beta1 NetworkPolicy: replacement "networking v1" is not an apiVersion like "batch/v1"',
    'removed-apis[1] extensions/v1beta1 DaemonSet: the replacement arrives in 1.17, after the removal in 1.16',
  ]);
});
