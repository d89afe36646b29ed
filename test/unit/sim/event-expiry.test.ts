// Events recorded by the simulation expire an hour after they were last seen, as with the API server's
// event TTL, so a long simulation does not grow without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionStatus, MINUTE, requestAction, startFleet, workerNodes } from './fixtures.ts';

test('the events of a reboot are listed after it and gone an hour and a sweep later', () => {
  // Given a node that reboots
  const sim = startFleet();
  const name = workerNodes(sim.region)[0]?.metadata.name as string;
  requestAction(sim.region, name, { id: 'test/1', operation: 'reboot' });
  assert.ok(sim.fleet.advanceUntil(() => actionStatus(sim.region, name)?.phase === 'done', 5 * MINUTE));
  const reasons = () => sim.region.store.list('events').filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === name).map((e) => (e as { reason?: string }).reason);
  // Then its events are there
  assert.ok(reasons().includes('Rebooted'), `events: ${reasons().join(', ')}`);
  // When an hour and one sweep interval pass
  sim.fleet.advance(75 * MINUTE);
  // Then they have expired
  assert.deepEqual(reasons(), []);
});
