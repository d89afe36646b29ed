// The node agent's decision: start an action once, with the boot id recorded first; after a restart finish it
// by the boot id or the kubelet version, never by acting again; answer a bad annotation once. Then a model
// of the agent's loop over a fake host, killed at points fast-check chooses: every action id is carried out
// at most once, and none is left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, parseStatus } from '../../../src/agent/decide.ts';
import type { AgentAction, AgentStatus, NodeFacts, Step } from '../../../src/agent/decide.ts';

const GRACE = { rebootGraceMs: 300_000 };
const T0 = Date.parse('2026-12-06T06:00:00Z');
const reboot = JSON.stringify({ id: 'run-1/n1/1', operation: 'reboot' });
const patch = JSON.stringify({ id: 'run-1/n1/1', operation: 'patch' });
const upgrade = JSON.stringify({ id: 'run-1/n1/1', operation: 'upgrade', version: 'v1.31.2' });

function facts(o: Partial<NodeFacts>): NodeFacts {
  return { action: undefined, status: undefined, bootId: 'boot-a', kubeletVersion: 'v1.30.4', nowMs: T0, ...o };
}

const status = (s: AgentStatus) => JSON.stringify(s);

test('no action, or one already answered, is nothing to do', () => {
  assert.deepEqual(decide(facts({}), GRACE), { kind: 'idle' });
  assert.deepEqual(decide(facts({ action: reboot, status: status({ id: 'run-1/n1/1', phase: 'done', message: 'rebooted' }) }), GRACE), { kind: 'idle' });
  assert.deepEqual(decide(facts({ action: reboot, status: status({ id: 'run-1/n1/1', phase: 'failed', message: 'x' }) }), GRACE), { kind: 'idle' });
});

test('a new action starts with running, its id, the boot id and the time recorded before anything is done', () => {
  const step = decide(facts({ action: reboot, status: status({ id: 'run-0/n1/1', phase: 'done', message: 'old' }) }), GRACE);
  assert.deepEqual(step, {
    kind: 'start',
    action: { id: 'run-1/n1/1', operation: 'reboot' },
    status: { id: 'run-1/n1/1', phase: 'running', message: 'rebooting', bootId: 'boot-a', startedAt: '2026-12-06T06:00:00.000Z', rebooting: true },
  });
  const p = decide(facts({ action: patch }), GRACE);
  assert.equal(p.kind, 'start');
  assert.equal(p.kind === 'start' && p.status.rebooting, undefined, 'a patch reboots only after its command, if the node needs it');
});

test('after a restart, a reboot asked for is done once the boot id changed, asked again and waited for within its grace, failed after it', () => {
  const running = status({ id: 'run-1/n1/1', phase: 'running', message: 'rebooting', bootId: 'boot-a', startedAt: new Date(T0).toISOString(), rebooting: true });
  assert.deepEqual(decide(facts({ action: reboot, status: running, bootId: 'boot-b', nowMs: T0 + 60_000 }), GRACE), { kind: 'answer', status: { id: 'run-1/n1/1', phase: 'done', message: 'rebooted, boot id boot-b' } });
  assert.deepEqual(decide(facts({ action: reboot, status: running, nowMs: T0 + 60_000 }), GRACE), { kind: 'wait', id: 'run-1/n1/1', untilMs: T0 + 300_000 });
  const late = decide(facts({ action: reboot, status: running, nowMs: T0 + 300_000 }), GRACE);
  assert.equal(late.kind, 'answer');
  assert.equal(late.kind === 'answer' && late.status.phase, 'failed');
  assert.match(late.kind === 'answer' ? late.status.message : '', /still on boot id boot-a 300 s later/);
});

test('after a restart, an upgrade is judged by the kubelet version, a patch whose command was cut off is failed, neither run again', () => {
  const running = (op: string) => status({ id: 'run-1/n1/1', phase: 'running', message: op, bootId: 'boot-a', startedAt: new Date(T0).toISOString() });
  assert.deepEqual(decide(facts({ action: upgrade, status: running('upgrading'), kubeletVersion: 'v1.31.2' }), GRACE), { kind: 'answer', status: { id: 'run-1/n1/1', phase: 'done', message: 'kubelet at v1.31.2' } });
  const notYet = decide(facts({ action: upgrade, status: running('upgrading') }), GRACE);
  assert.match(notYet.kind === 'answer' && notYet.status.phase === 'failed' ? notYet.status.message : '', /reports v1\.30\.4, not v1\.31\.2; not run again/);
  const cut = decide(facts({ action: patch, status: running('installing patches') }), GRACE);
  assert.match(cut.kind === 'answer' && cut.status.phase === 'failed' ? cut.status.message : '', /agent restarted while the patch command ran; not run again/);
});

test('an annotation that is not a valid action is answered failed once, naming the problem and the text', () => {
  const cases: [string, RegExp][] = [
    ['not json', /is not JSON: not json$/],
    ['[1]', /is not a JSON object/],
    ['{"operation":"reboot"}', /has no "id"/],
    ['{"id":"a","operation":"format"}', /a: unknown operation "format"; use reboot, patch or upgrade/],
    ['{"id":"a","operation":"upgrade","version":"1.31"}', /upgrade needs "version" like "v1.31.2", got "1.31"/],
  ];
  for (const [raw, message] of cases) {
    const step = decide(facts({ action: raw }), GRACE);
    assert.ok(step.kind === 'answer' && step.status.phase === 'failed' && step.status.id === '', raw);
    assert.match(step.status.message, message);
    // Answered once: the same answer already there is nothing to do
    assert.deepEqual(decide(facts({ action: raw, status: JSON.stringify(step.status) }), GRACE), { kind: 'idle' }, raw);
  }
});

// ------------------------------------------------------------------ the loop, killed where fast-check says

/** A host and its Node: what the agent reads, what it writes, and what the host carried out. */
interface World {
  action: string;
  status: string | undefined;
  bootId: string;
  kubeletVersion: string;
  nowMs: number;
  /** Operations the host carried out, by action id. */
  readonly carriedOut: Map<string, number>;
  /** Reboots the host went through. */
  reboots: number;
}

/**
 * One life of the agent: it reads the node, decides, writes, acts, and may be killed before any of those
 * (`killAt` counts the agent's steps from 0). A reboot the host carries out ends the life (the agent's pod
 * dies with the node) and gives a new boot id; a patch reboots when `needsReboot`. A reboot asked for again
 * after a restart (`wait`) is carried out like the first request would have been.
 */
function life(w: World, killAt: number, needsReboot: boolean): 'killed' | 'rebooted' | 'settled' {
  let steps = 0;
  const alive = () => steps++ !== killAt;
  for (let round = 0; round < 10; round++) {
    if (!alive()) return 'killed';
    const step: Step = decide({ action: w.action, status: w.status, bootId: w.bootId, kubeletVersion: w.kubeletVersion, nowMs: w.nowMs }, GRACE);
    if (step.kind === 'idle') return 'settled';
    if (step.kind === 'wait') {
      if (!alive()) return 'killed';
      // A reboot action is carried out by this reboot; a patch's command was already
      if (w.action === reboot) w.carriedOut.set(step.id, (w.carriedOut.get(step.id) ?? 0) + 1);
      w.reboots++;
      w.bootId = `${w.bootId}+`;
      return 'rebooted';
    }
    if (!alive()) return 'killed';
    w.status = JSON.stringify(step.status);
    if (step.kind === 'answer') continue;
    if (!alive()) return 'killed';
    const a: AgentAction = step.action;
    w.carriedOut.set(a.id, (w.carriedOut.get(a.id) ?? 0) + 1);
    w.nowMs += 1_000;
    if (a.operation === 'upgrade') {
      w.kubeletVersion = a.version ?? '';
      if (!alive()) return 'killed';
      w.status = JSON.stringify({ id: a.id, phase: 'done', message: `kubelet at ${a.version}` });
      continue;
    }
    if (a.operation === 'patch') {
      if (!alive()) return 'killed';
      if (!needsReboot) {
        w.status = JSON.stringify({ id: a.id, phase: 'done', message: 'patched; no reboot needed' });
        continue;
      }
      w.status = JSON.stringify({ ...step.status, rebooting: true, startedAt: new Date(w.nowMs).toISOString() });
      if (!alive()) return 'killed';
    }
    w.reboots++;
    w.bootId = `${w.bootId}+`;
    return 'rebooted';
  }
  return 'settled';
}

test('killed at any step, and restarted until it settles, the agent carries out each action id at most once, reboots exactly once for a reboot, and leaves none running', () => {
  fc.assert(
    fc.property(fc.constantFrom(reboot, patch, upgrade), fc.boolean(), fc.array(fc.nat({ max: 8 }), { maxLength: 4 }), (action, needsReboot, kills) => {
      const w: World = { action, status: undefined, bootId: 'boot-a', kubeletVersion: 'v1.30.4', nowMs: T0, carriedOut: new Map(), reboots: 0 };
      // Given the agent killed at these steps of its first lives, then left alone
      const lives = [...kills, -1, -1, -1];
      for (const killAt of lives) {
        w.nowMs += 5_000;
        if (life(w, killAt, needsReboot) === 'settled') break;
      }
      const s = parseStatus(w.status);
      // Then the action was carried out at most once, and it is answered: done or failed, never running
      assert.ok((w.carriedOut.get('run-1/n1/1') ?? 0) <= 1, `carried out ${w.carriedOut.get('run-1/n1/1')} times`);
      assert.ok(s && s.id === 'run-1/n1/1' && s.phase !== 'running', JSON.stringify(s));
      // And it is done exactly when the host carried it out to the end: a reboot gave a new boot id, an upgrade the version
      if (s.phase === 'done') assert.equal(w.carriedOut.get('run-1/n1/1'), 1);
      // And the host rebooted at most once; a reboot action, wherever the agent was killed, exactly once and done
      assert.ok(w.reboots <= 1, `rebooted ${w.reboots} times`);
      if (action === reboot) assert.deepEqual([w.reboots, s.phase], [1, 'done'], s.message);
    }),
    { numRuns: 300, seed: 20261206 },
  );
});

test('the action\'s rebootAfter is read as needed or always, and anything else is answered failed', () => {
  const start = decide(facts({ action: JSON.stringify({ id: 'p/1', operation: 'patch', rebootAfter: 'always' }) }), GRACE);
  assert.deepEqual(start.kind === 'start' && start.action, { id: 'p/1', operation: 'patch', rebootAfter: 'always' });
  const bad = decide(facts({ action: JSON.stringify({ id: 'p/1', operation: 'patch', rebootAfter: 'sometimes' }) }), GRACE);
  assert.match(bad.kind === 'answer' ? bad.status.message : '', /p\/1: "rebootAfter" must be needed or always, got "sometimes"/);
});
