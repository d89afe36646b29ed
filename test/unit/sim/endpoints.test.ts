// Unit tests for the simulated EndpointSlice controller: one slice per Service listing its pods with an
// IP, ready only while a pod is Ready and not terminating, and the ready counts the traffic model reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Pod } from '../../../src/sandbox/k8s-types.ts';
import { deletePod } from '../../../src/sandbox/sim/pods.ts';
import { activePodsOf, MINUTE, node, NS, podsOf, readyPodsOf, requestAction, SECOND, startFleet, untilReady, workload, ZONE_LABEL } from './fixtures.ts';
import type { SimFleet } from './fixtures.ts';

const WEB = workload({ name: 'web', replicas: 4, spread: 'zone', shutdownSeconds: 10, startupSeconds: 20, readinessSeconds: 20, service: { rpsPerPod: 100 } });

function sliceOf(sim: SimFleet, service: string): EndpointSlice {
  const slices = (sim.region.store.list('endpointslices.discovery.k8s.io', NS) as EndpointSlice[]).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service);
  assert.equal(slices.length, 1, `one EndpointSlice for ${service}`);
  return slices[0] as EndpointSlice;
}

function readyNames(slice: EndpointSlice): string[] {
  return slice.endpoints.filter((e) => e.conditions.ready).map((e) => e.targetRef?.name ?? '').sort();
}

function names(pods: readonly Pod[]): string[] {
  return pods.map((p) => p.metadata.name).sort();
}

test('endpointslice lists every Ready pod of the Service with its address, node and zone', () => {
  // Given a Service over four pods
  const sim = startFleet({ workloads: [WEB] });

  // When they are all Ready
  untilReady(sim, 'web', 4);

  // Then the slice lists the four as ready, with the address, node and zone of each
  const slice = sliceOf(sim, 'web');
  assert.equal(slice.addressType, 'IPv4');
  assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(readyNames(slice), names(podsOf(sim.region, 'web')));
  for (const p of podsOf(sim.region, 'web')) {
    const e = slice.endpoints.find((x) => x.targetRef?.name === p.metadata.name);
    assert.deepEqual(e?.addresses, [p.status.podIP]);
    assert.equal(e?.nodeName, p.spec.nodeName);
    assert.equal(e?.zone, node(sim.region, p.spec.nodeName as string).metadata.labels?.[ZONE_LABEL]);
    assert.deepEqual(e?.conditions, { ready: true, serving: true, terminating: false });
  }
  assert.equal(sim.region.endpoints.readyEndpoints(NS, 'web'), 4);
});

test('endpointslice lists no pod before it has an IP, and a running pod as not ready until it is Ready', () => {
  // Given a Service over four pods that were just created
  const sim = startFleet({ workloads: [WEB] });

  // Then the slice exists and is empty
  assert.deepEqual(sliceOf(sim, 'web').endpoints, []);
  assert.equal(sim.region.endpoints.readyEndpoints(NS, 'web'), 0);

  // When the pods run but are not Ready (startup 20 s, readiness 20 s more)
  sim.fleet.advance(25 * SECOND);

  // Then they are listed, none ready
  const slice = sliceOf(sim, 'web');
  assert.equal(slice.endpoints.length, 4);
  assert.ok(slice.endpoints.every((e) => !e.conditions.ready && !e.conditions.serving));
  assert.equal(sim.region.endpoints.readyEndpoints(NS, 'web'), 0);
});

test('endpointslice marks a terminating pod not ready but still serving, and drops it once it is gone', () => {
  // Given four Ready pods behind the Service
  const sim = startFleet({ workloads: [WEB] });
  untilReady(sim, 'web', 4);
  const victim = activePodsOf(sim.region, 'web')[0] as Pod;

  // When one is deleted
  deletePod(sim.region.ctx, victim);
  sim.region.settle();

  // Then it is listed as terminating, serving, not ready, and three endpoints are ready
  const e = sliceOf(sim, 'web').endpoints.find((x) => x.targetRef?.name === victim.metadata.name);
  assert.deepEqual(e?.conditions, { ready: false, serving: true, terminating: true });
  assert.equal(sim.region.endpoints.readyEndpoints(NS, 'web'), 3);

  // When it has shut down
  sim.fleet.advance(15 * SECOND);

  // Then it is no longer listed
  assert.ok(!sliceOf(sim, 'web').endpoints.some((x) => x.targetRef?.name === victim.metadata.name));
});

test('endpointslice drops the pods of a rebooting node from the ready endpoints until they are Ready again', () => {
  // Given four Ready pods spread over the zones
  const sim = startFleet({ workloads: [WEB], rebootSeconds: 60 });
  untilReady(sim, 'web', 4);
  const target = (activePodsOf(sim.region, 'web')[0] as Pod).spec.nodeName as string;
  const onNode = names(podsOf(sim.region, 'web').filter((p) => p.spec.nodeName === target));

  // When that node reboots
  requestAction(sim.region, target, { id: 'run/node/1', operation: 'reboot' });
  sim.region.settle();

  // Then only the pods elsewhere are ready endpoints
  assert.deepEqual(readyNames(sliceOf(sim, 'web')), names(podsOf(sim.region, 'web').filter((p) => p.spec.nodeName !== target)));
  assert.equal(sim.region.endpoints.readyEndpoints(NS, 'web'), 4 - onNode.length);

  // And once the node is back and its pods Ready, all four are again
  assert.ok(sim.fleet.advanceUntil(() => readyPodsOf(sim.region, 'web').length === 4, 5 * MINUTE));
  assert.equal(readyNames(sliceOf(sim, 'web')).length, 4);
  assert.equal(sim.region.endpoints.readyEndpoints(NS, 'web'), 4);
});

test('endpointslice goes with its Service', () => {
  // Given a Service with its slice
  const sim = startFleet({ workloads: [WEB] });
  untilReady(sim, 'web', 4);
  assert.ok(sliceOf(sim, 'web'));

  // When the Service is deleted
  sim.region.store.remove('services', NS, 'web');
  sim.fleet.advance(MINUTE);

  // Then no slice and no ready endpoint is left for it
  assert.deepEqual(sim.region.store.list('endpointslices.discovery.k8s.io', NS), []);
  assert.equal(sim.region.endpoints.readyEndpoints(NS, 'web'), 0);
});
