// The diff of two workspaces as a platform engineer reads it: what is added, removed, upgraded (a
// downgrade flagged) and unchanged, what else changed, and the order the changed ones go in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffWorkspaces, hasChanges } from '../../../src/platform/diff.ts';
import { upgradeOrder } from '../../../src/platform/graph.ts';
import { workspace } from './fixtures.ts';

test('components added, removed, upgraded and unchanged are told apart', () => {
  const before = workspace([
    { name: 'grafana', version: '11.3.0' },
    { name: 'harbor', version: '2.14.0' },
    { name: 'vault', version: '1.18.0' },
  ]);
  const after = workspace([
    { name: 'grafana', version: '11.4.0' },
    { name: 'vault', version: '1.18.0' },
    { name: 'loki', version: '3.1.0' },
  ]);
  const d = diffWorkspaces(before, after);
  assert.deepEqual(d.added.map((c) => [c.name, c.version]), [['loki', '3.1.0']]);
  assert.deepEqual(d.removed, [{ name: 'harbor', version: '2.14.0' }]);
  assert.deepEqual(d.upgraded.map((u) => [u.name, u.from, u.to, u.direction]), [['grafana', '11.3.0', '11.4.0', 'upgrade']]);
  assert.deepEqual(d.unchanged, [{ name: 'vault', version: '1.18.0', changed: [] }]);
  assert.deepEqual(d.order.map((o) => o.name), ['grafana', 'loki'], 'added and upgraded components are ordered; removed ones are not');
  assert.equal(hasChanges(d), true);
});

test('a downgrade is flagged by semantic version, not by text (11.10.0 → 11.9.1 goes down)', () => {
  const d = diffWorkspaces(workspace([{ name: 'grafana', version: '11.10.0' }, { name: 'vault', version: 'v1.18.0-rc.1' }]), workspace([{ name: 'grafana', version: '11.9.1' }, { name: 'vault', version: 'v1.18.0' }]));
  assert.deepEqual(d.upgraded.map((u) => [u.name, u.direction]), [['grafana', 'downgrade'], ['vault', 'upgrade']]);
});

test('versions that are not semantic versions have an unknown direction', () => {
  const d = diffWorkspaces(workspace([{ name: 'tool', version: '2026-07-01' }]), workspace([{ name: 'tool', version: '2026-08-01' }]));
  assert.equal(d.upgraded[0]?.direction, 'unknown');
});

test('three components with dependencies go dependencies first, whatever their names: cert-manager ← ingress-nginx ← grafana', () => {
  const w = (v: string) =>
    workspace([
      { name: 'grafana', version: v, dependsOn: ['ingress-nginx'] },
      { name: 'ingress-nginx', version: v, dependsOn: ['cert-manager'] },
      { name: 'cert-manager', version: v },
    ]);
  const d = diffWorkspaces(w('1.0.0'), w('1.1.0'));
  assert.deepEqual(d.order, [
    { name: 'cert-manager', after: [] },
    { name: 'ingress-nginx', after: ['cert-manager'] },
    { name: 'grafana', after: ['cert-manager', 'ingress-nginx'] },
  ]);
});

test('ties are broken by name, so the same workspaces always give the same order', () => {
  const w = (v: string) =>
    workspace([
      { name: 'vault', version: v },
      { name: 'argocd', version: v },
      { name: 'harbor', version: v, dependsOn: ['vault'] },
      { name: 'grafana', version: v },
    ]);
  const d = diffWorkspaces(w('1.0.0'), w('2.0.0'));
  assert.deepEqual(d.order.map((o) => o.name), ['argocd', 'grafana', 'vault', 'harbor']);
});

test('a component waits for a changed dependency even through an unchanged one in between', () => {
  const before = workspace([
    { name: 'app', version: '1.0.0', dependsOn: ['middle'] },
    { name: 'middle', version: '1.0.0', dependsOn: ['zz-base'] },
    { name: 'zz-base', version: '1.0.0' },
  ]);
  const after = workspace([
    { name: 'app', version: '1.1.0', dependsOn: ['middle'] },
    { name: 'middle', version: '1.0.0', dependsOn: ['zz-base'] },
    { name: 'zz-base', version: '1.1.0' },
  ]);
  assert.deepEqual(diffWorkspaces(before, after).order, [
    { name: 'zz-base', after: [] },
    { name: 'app', after: ['zz-base'] },
  ]);
});

test('the order follows the new workspace: a dependency added in it counts', () => {
  const before = workspace([{ name: 'a-app', version: '1.0.0' }, { name: 'b-db', version: '1.0.0' }]);
  const after = workspace([{ name: 'a-app', version: '1.1.0', dependsOn: ['b-db'] }, { name: 'b-db', version: '1.1.0' }]);
  assert.deepEqual(diffWorkspaces(before, after).order.map((o) => o.name), ['b-db', 'a-app']);
  assert.deepEqual(diffWorkspaces(before, after).upgraded.find((u) => u.name === 'a-app')?.changed, ['dependsOn']);
});

test('changed upgrade commands and checks are noted, on upgraded and on same-version components', () => {
  const before = workspace([
    { name: 'grafana', version: '11.3.0', extra: ['checks: {http: [{url: "https://grafana.example.com/api/health"}]}'] },
    { name: 'vault', version: '1.18.0', extra: ['checks: {builtin: [pod-restarts]}'] },
  ]);
  const after = workspace([
    { name: 'grafana', version: '11.4.0', extra: ['rollback: helm rollback {{name}}', 'checks: {http: [{url: "https://grafana.example.com/api/health", expectStatus: 204}]}'] },
    { name: 'vault', version: '1.18.0', extra: ['checks: {builtin: [pod-restarts], thresholds: {pod-restarts: 2}}'] },
  ]);
  const d = diffWorkspaces(before, after);
  assert.deepEqual(d.upgraded[0]?.changed, ['rollback', 'checks.http']);
  assert.deepEqual(d.unchanged, [{ name: 'vault', version: '1.18.0', changed: ['checks.thresholds'] }]);
  assert.deepEqual(d.order.map((o) => o.name), ['grafana'], 'a same-version change is noted, not upgraded');
  assert.equal(hasChanges(d), true);
});

test('identical workspaces have no changes and nothing to order', () => {
  const w = () => workspace([{ name: 'grafana', version: '11.3.0' }]);
  const d = diffWorkspaces(w(), w());
  assert.equal(hasChanges(d), false);
  assert.deepEqual(d.order, []);
});

test('upgradeOrder refuses a cycle rather than looping', () => {
  const graph = new Map([['a', ['b']], ['b', ['a']]]);
  assert.throws(() => upgradeOrder(graph, ['a', 'b']), /no order exists for a, b: their dependencies form a cycle/);
});
