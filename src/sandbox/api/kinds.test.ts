// Tests for what the sandbox's API server does with Leases and Events beyond storing them: strict
// MicroTime decoding, Lease and Event validation, and the events.k8s.io/v1 view of core Events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../k8s-types.ts';
import { decodeTimes, DecodeError, eventsV1CreateCauses, fromEventsV1, kindCauses, microTime, toEventsV1 } from './kinds.ts';

const meta = { name: 'x', namespace: 'ns', uid: 'u', resourceVersion: '1', creationTimestamp: '2026-12-05T19:00:00Z' };

test('a MicroTime needs exactly six fractional digits and is stored in UTC', () => {
  assert.equal(microTime('2026-12-05T20:00:00.123456+01:00'), '2026-12-05T19:00:00.123456Z');
  assert.equal(microTime('2026-12-05T19:00:00.000001Z'), '2026-12-05T19:00:00.000001Z');
  assert.equal(microTime(null), null);
  for (const bad of ['2026-12-05T19:00:00.123Z', '2026-12-05T19:00:00Z', '2026-12-05T19:00:00.1234567Z', 'yesterday', 5]) {
    assert.throws(() => microTime(bad), DecodeError, String(bad));
  }
});

test("a Lease's times are decoded, and its duration and transitions validated", () => {
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta, spec: { renewTime: '2026-12-05T20:00:00.500000+01:00', leaseDurationSeconds: 0, leaseTransitions: -1 } } as KObject;
  assert.deepEqual((decodeTimes('leases.coordination.k8s.io', lease).spec as { renewTime: string }).renewTime, '2026-12-05T19:00:00.500000Z');
  assert.deepEqual(kindCauses('leases.coordination.k8s.io', lease).map((c) => c.field), ['spec.leaseDurationSeconds', 'spec.leaseTransitions']);
});

test('a core Event reads as events.k8s.io/v1 with renamed fields, and converts back', () => {
  const core = { apiVersion: 'v1', kind: 'Event', metadata: meta, involvedObject: { kind: 'Pod', name: 'p', namespace: 'ns' }, message: 'm', reason: 'R', type: 'Normal', count: 2, source: { component: 'c' } } as unknown as KObject;
  const v1 = toEventsV1(core) as unknown as Record<string, unknown>;
  assert.deepEqual([v1.apiVersion, v1.note, v1.regarding, v1.deprecatedCount, v1.deprecatedSource, v1.message], ['events.k8s.io/v1', 'm', { kind: 'Pod', name: 'p', namespace: 'ns' }, 2, { component: 'c' }, undefined]);
  assert.deepEqual(fromEventsV1(v1), core);
});

test('an Event created through events.k8s.io/v1 needs an eventTime and a type, and no deprecated fields', () => {
  const core = fromEventsV1({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta, note: 'x', regarding: { kind: 'Pod', name: 'p', namespace: 'ns' }, deprecatedCount: 3 }) as unknown as KObject;
  assert.deepEqual(eventsV1CreateCauses(core).map((c) => c.field), ['eventTime', 'type', 'deprecatedCount']);
});
