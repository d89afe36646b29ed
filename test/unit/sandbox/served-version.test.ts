// The sandbox's /version as an upgrade sees it: the fleet's version until every control-plane node runs a
// newer kubelet, then the lowest of theirs; worker kubelets never move it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/sandbox/k8s-types.ts';
import { servedVersion } from '../../../src/sandbox/served-version.ts';

function node(name: string, kubelet: string, controlPlane: boolean): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(controlPlane ? { labels: { 'node-role.kubernetes.io/control-plane': '' } } : {}) },
    status: { nodeInfo: { kubeletVersion: kubelet } },
  } as unknown as KObject;
}

test('the API server serves the new version only once every control-plane node is upgraded', () => {
  const before = [node('cp-1', 'v1.30.4', true), node('cp-2', 'v1.30.4', true), node('w-1', 'v1.30.4', false)];
  assert.equal(servedVersion('v1.30.4', before), 'v1.30.4');
  const half = [node('cp-1', 'v1.31.2', true), node('cp-2', 'v1.30.4', true), node('w-1', 'v1.30.4', false)];
  assert.equal(servedVersion('v1.30.4', half), 'v1.30.4');
  const all = [node('cp-1', 'v1.31.2', true), node('cp-2', 'v1.31.2', true), node('w-1', 'v1.30.4', false)];
  assert.equal(servedVersion('v1.30.4', all), 'v1.31.2');
});

test('a worker upgraded first, or a region without control-plane nodes, keeps the fleet version', () => {
  assert.equal(servedVersion('v1.30.4', [node('cp-1', 'v1.30.4', true), node('w-1', 'v1.31.2', false)]), 'v1.30.4');
  assert.equal(servedVersion('v1.30.4', [node('w-1', 'v1.31.2', false)]), 'v1.30.4');
  // minors compare as numbers: v1.9 is below v1.10
  assert.equal(servedVersion('v1.9.0', [node('cp-1', 'v1.10.1', true)]), 'v1.10.1');
});
