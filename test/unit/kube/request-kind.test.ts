import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestKind } from '../../../src/kube/api.ts';

describe('requestKind names the resource of a request with the names elided', () => {
  const cases: [string, string][] = [
    ['https://127.0.0.1:6443/api/v1/namespaces/shop/pods/web-1/eviction', 'pods/eviction'],
    ['https://127.0.0.1:6443/api/v1/namespaces/shop/pods?fieldSelector=spec.nodeName%3Da', 'pods'],
    ['https://127.0.0.1:6443/api/v1/nodes/node-a1', 'nodes'],
    ['https://127.0.0.1:6443/api/v1/nodes', 'nodes'],
    ['https://127.0.0.1:6443/api/v1/namespaces/shop', 'namespaces'],
    ['https://127.0.0.1:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/daylight', 'leases'],
    ['https://127.0.0.1:6443/apis/apps/v1/namespaces/shop/deployments/web/scale', 'deployments/scale'],
    ['/api/v1/pods', 'pods'],
    ['https://127.0.0.1:6443/sandbox/v1/referee', '/sandbox/v1/referee'],
  ];
  for (const [url, kind] of cases) test(`${url} is ${kind}`, () => assert.equal(requestKind(url), kind));
});
