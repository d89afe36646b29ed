// The kubernetes engine's extras server: the referee's report (with its notes) and details at the
// simulated engine's paths, a 404 that says what is served for anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startExtrasServer } from '../../../../src/sandbox/kubernetes/extras-server.ts';
import type { RefereeReport } from '../../../../src/sandbox/referee.ts';

const report = (): RefereeReport => ({
  evictions: { accepted: 2, rejectedByPdb: 1 },
  podsKilledWithoutEviction: 1,
  pdbBreaches: 0,
  maxConcurrentUnavailableNodes: { 'eu-central': 1 },
  reboots: { 'eu-central/node-a1': 1 },
  traffic: { served: 0, failed: 0, byRegion: { 'eu-central': { served: 0, failed: 0 } } },
});

test('the extras server answers the referee and its details at the simulated engine\'s paths, and 404 elsewhere', async () => {
  const server = await startExtrasServer({ report: () => Promise.resolve({ report: report(), details: { kills: [{ pod: 'shop/web-1' }] } }) });
  try {
    const answer = (await (await fetch(`${server.url}/sandbox/v1/referee`)).json()) as RefereeReport & { notes: string[] };
    assert.deepEqual({ ...answer, notes: undefined }, { ...report(), notes: undefined });
    assert.match(answer.notes.join(' '), /traffic/);
    assert.deepEqual(await (await fetch(`${server.url}/sandbox/v1/referee/details`)).json(), { kills: [{ pod: 'shop/web-1' }] });
    const missing = await fetch(`${server.url}/api/v1/nodes`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /kube-apiserver/);
  } finally {
    await server.stop();
  }
});

test('a referee that cannot read its sources answers 500 with the reason', async () => {
  const server = await startExtrasServer({ report: () => Promise.reject(new Error('audit.log: EACCES')) });
  try {
    const res = await fetch(`${server.url}/sandbox/v1/referee`);
    assert.equal(res.status, 500);
    assert.match(((await res.json()) as { message: string }).message, /EACCES/);
  } finally {
    await server.stop();
  }
});
