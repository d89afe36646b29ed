// Changelogs as an upgrade shows them: the `## <version>` entries between two versions, newest first,
// breaking changes picked out (lines that say BREAKING, lines under a "Breaking changes" heading), and
// semantic-version ordering underneath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changelogBetween, parseChangelog } from '../../../src/platform/changelog.ts';
import { compareVersions, direction, parseVersion } from '../../../src/platform/semver.ts';

const CHANGELOG = [
  '# grafana changelog', // 1
  '', // 2
  'Text above the first entry is not an entry.', // 3
  '', // 4
  '## Unreleased', // 5
  '- not released yet', // 6
  '', // 7
  '## [11.4.0] - 2026-08-18', // 8
  '- New: public dashboards.', // 9
  '- BREAKING: the `legacy_alerting` setting is removed.', // 10
  '', // 11
  '## v11.3.1', // 12
  '- Fix: panel links keep their variables.', // 13
  '- Non-breaking: a clearer log line.', // 14
  '', // 15
  '## 11.3.0', // 16
  '### Breaking changes', // 17
  '- Angular plugins no longer load.', // 18
  '  Migrate them first.', // 19
  '### Features', // 20
  '- Scenes-powered dashboards.', // 21
  '', // 22
  '## 11.2.0', // 23
  '- Fix: something older.', // 24
].join('\n');

test('entries are read with their heading line, content and breaking lines; headings without a version are skipped', () => {
  const entries = parseChangelog(CHANGELOG);
  assert.deepEqual(entries.map((e) => [e.version, e.line]), [['11.4.0', 8], ['v11.3.1', 12], ['11.3.0', 16], ['11.2.0', 23]]);
  assert.deepEqual(entries[0]?.lines, ['- New: public dashboards.', '- BREAKING: the `legacy_alerting` setting is removed.']);
  assert.deepEqual(entries[0]?.breaking, ['BREAKING: the `legacy_alerting` setting is removed.']);
  assert.deepEqual(entries[1]?.breaking, [], '"Non-breaking" does not say BREAKING');
  assert.deepEqual(entries[2]?.breaking, ['Angular plugins no longer load.', 'Migrate them first.'], 'everything under "Breaking changes" until the next heading');
  assert.deepEqual(entries[2]?.lines, ['### Breaking changes', '- Angular plugins no longer load.', 'Migrate them first.', '### Features', '- Scenes-powered dashboards.']);
});

test('an upgrade shows the entries after `from` up to and including `to`, newest first, with every breaking change', () => {
  const span = changelogBetween(parseChangelog(CHANGELOG), '11.2.0', '11.4.0');
  assert.deepEqual(span.entries.map((e) => e.version), ['11.4.0', 'v11.3.1', '11.3.0']);
  assert.deepEqual(span.breaking, [
    { version: '11.4.0', text: 'BREAKING: the `legacy_alerting` setting is removed.' },
    { version: '11.3.0', text: 'Angular plugins no longer load.' },
    { version: '11.3.0', text: 'Migrate them first.' },
  ]);
  assert.equal(span.missingTarget, false);
});

test('a patch upgrade shows only its own entry; a "v" prefix on either side does not matter', () => {
  const span = changelogBetween(parseChangelog(CHANGELOG), 'v11.3.0', '11.3.1');
  assert.deepEqual(span.entries.map((e) => e.version), ['v11.3.1']);
  assert.deepEqual(span.breaking, []);
  assert.equal(span.missingTarget, false);
});

test('a downgrade shows what it undoes: the entries after `to` up to `from`', () => {
  const span = changelogBetween(parseChangelog(CHANGELOG), '11.4.0', '11.3.1');
  assert.deepEqual(span.entries.map((e) => e.version), ['11.4.0']);
});

test('a target the changelog does not mention is reported, so a stale changelog is noticed', () => {
  const span = changelogBetween(parseChangelog(CHANGELOG), '11.4.0', '11.5.0');
  assert.deepEqual(span.entries, []);
  assert.equal(span.missingTarget, true);
});

test('semantic versions: numbers compare as numbers, a release ranks above its pre-releases', () => {
  const v = (t: string) => parseVersion(t) ?? assert.fail(`${t} should parse`);
  assert.ok(compareVersions(v('1.10.0'), v('1.9.9')) > 0);
  assert.ok(compareVersions(v('1.0.0-rc.1'), v('1.0.0')) < 0);
  assert.ok(compareVersions(v('1.0.0-rc.2'), v('1.0.0-rc.10')) < 0);
  assert.ok(compareVersions(v('1.0.0-alpha'), v('1.0.0-beta')) < 0);
  assert.equal(compareVersions(v('2.15'), v('2.15.0')), 0);
  assert.equal(compareVersions(v('1.2.3+build.5'), v('1.2.3')), 0);
  assert.equal(parseVersion('latest'), undefined);
  assert.equal(compareVersions(v('v11.4.0'), v('11.4.0')), 0);
  assert.ok(compareVersions(v('2.15-rc.1'), v('2.15')) < 0);
  for (const t of ['2026-07-01', '7', '1a2b3c4', '1.2.3.4']) assert.equal(parseVersion(t), undefined, t);
  assert.equal(direction('1.2.3', '1.2.4'), 'upgrade');
  assert.equal(direction('1.2.4', '1.2.3'), 'downgrade');
  assert.equal(direction('main', 'dev'), 'unknown');
});
