// The run state's reducer, event by event: every event type of the journal's vocabulary (events.ts) applied
// once to a run under way, with the state it must produce. The table is keyed by event type, so a new event
// type without a case fails the typecheck, and the test reads the union from the source so it fails at run
// time too. Replay is the reducer's one entry point for readers (status, resume), so the cases go through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { GateResult, JournalEntry, RunEvent, RunEventType } from '../../../src/engine/events.ts';
import { nodeKey, replay } from '../../../src/engine/state.ts';
import type { ApprovalState, NodeState, RegionState, RunState, StageState } from '../../../src/engine/state.ts';
import { NOW, regionTraffic } from './regional-fakes.ts';

const RUN = 'run-1';
const C = 'eu-central';
const R = 'eu-west';
const N = 'node-a1';
const PHASE = 'os-patch';
const at = (i: number) => NOW + i * 1000;

function journal(events: readonly RunEvent[]): JournalEntry[] {
  return events.map((event, i) => ({ seq: i + 1, at: at(i), wall: new Date(at(i)).toISOString(), runId: RUN, event, prev: '', hash: '' }));
}

const GATE: GateResult = { gate: 'error rate', type: 'prometheus', passed: true, message: 'ok' };
const BEFORE = { [R]: regionTraffic(), [C]: regionTraffic() };

/**
 * A run under way: started, its lease held, a phase planned, node-a1 cordoned, and region eu-west drained
 * with a silence created. Each case adds one event (after its own `given`, if any) to this.
 */
const BASE: readonly RunEvent[] = [
  { type: 'run.started', plan: { name: 'weekly', path: 'plan.yaml', sha256: 'a'.repeat(64) }, clusters: [C, R], holder: 'host-1' },
  { type: 'lease.acquired', cluster: C, holder: 'host-1' },
  { type: 'phase.planned', cluster: C, phase: PHASE, budget: 1, waves: [{ index: 0, nodes: [N] }, { index: 1, nodes: ['node-a2'] }], excluded: [] },
  { type: 'node.cordon.requested', cluster: C, node: N },
  { type: 'node.cordoned', cluster: C, node: N, changed: true },
  { type: 'traffic.before', cluster: R, regions: BEFORE },
  { type: 'traffic.drain.requested', cluster: R, before: regionTraffic() },
  { type: 'traffic.drained', cluster: R, result: { newTrafficStoppedMs: 40, sessionsGoneMs: 900, sessionsShut: 0 } },
  { type: 'silence.created', cluster: R, alertmanager: 'http://am:9093', id: 'sil-1' },
];

interface Case {
  /** Events between the base and the one under test. */
  readonly given?: readonly RunEvent[];
  readonly event: RunEvent;
  /** The state after the event, from the state before it; `at` is the event's journal time. */
  readonly then: (s: RunState, at: number) => RunState;
}

const same = (s: RunState): RunState => s;
const key = nodeKey(C, N);
function withNode(s: RunState, patch: Partial<NodeState>): RunState {
  return { ...s, nodes: { ...s.nodes, [key]: { ...(s.nodes[key] as NodeState), ...patch } } };
}
function withRegion(s: RunState, patch: Partial<RegionState>): RunState {
  return { ...s, regions: { ...s.regions, [R]: { ...(s.regions[R] as RegionState), ...patch } } };
}
function withPhase(s: RunState, patch: Partial<RunState['phases'][number]>): RunState {
  return { ...s, phases: s.phases.map((p) => (p.phase === PHASE ? { ...p, ...patch } : p)) };
}
const STAGE_STARTED: RunEvent = { type: 'rollout.stage.started', stage: 'prod', groups: [{ name: 'region=eu', clusters: [C] }] };
function withStage(s: RunState, patch: Partial<StageState>): RunState {
  return { ...s, stages: { ...s.stages, prod: { ...(s.stages.prod as StageState), ...patch } } };
}
const APPROVAL_ASKED: RunEvent = { type: 'approval.requested', step: 'phase/os-patch', phase: PHASE, onTimeout: 'reject' };
const ACTION = { id: `${RUN}/${N}/1`, operation: 'reboot', version: undefined, bootIdBefore: 'boot-1', kubeletBefore: 'v1.30.4' };

/** One case per event type: the mapped type makes a missing one a type error. */
const CASES: { readonly [T in RunEventType]: Case & { readonly event: Extract<RunEvent, { type: T }> } } = {
  'run.started': { given: [{ type: 'run.paused', reason: 'window closed' }], event: { type: 'run.started', plan: { name: 'other', path: 'p.yaml', sha256: 'b'.repeat(64) }, clusters: [C], holder: 'h' }, then: (s, t) => ({ ...s, status: 'running', plan: { name: 'other', path: 'p.yaml', sha256: 'b'.repeat(64) }, clusters: [C], startedAt: t }) },
  'run.resumed': { given: [{ type: 'run.failed', reason: 'node-a1 failed' }], event: { type: 'run.resumed', holder: 'host-2' }, then: (s) => ({ ...s, status: 'running', reason: undefined, endedAt: undefined }) },
  'preflight.evaluated': { event: { type: 'preflight.evaluated', findings: [], skipped: false }, then: same },
  'lease.acquired': { event: { type: 'lease.acquired', cluster: R, holder: 'host-1' }, then: (s) => ({ ...s, leases: { ...s.leases, [R]: 'host-1' } }) },
  'lease.released': { event: { type: 'lease.released', cluster: C }, then: (s) => ({ ...s, leases: {} }) },
  'lease.lost': { event: { type: 'lease.lost', cluster: C, heldBy: 'host-9' }, then: (s) => ({ ...s, leases: {} }) },
  'phase.planned': {
    event: { type: 'phase.planned', cluster: C, phase: 'second', budget: 3, waves: [{ index: 0, nodes: ['node-b1'] }], excluded: [{ node: 'node-b2', reason: 'NotReady', unavailable: true }] },
    then: (s) => ({ ...s, phases: [...s.phases, { cluster: C, phase: 'second', budget: 3, waves: [{ index: 0, nodes: ['node-b1'] }], excluded: [{ node: 'node-b2', reason: 'NotReady', unavailable: true }], wavesDone: 0, completed: false }] }),
  },
  'phase.completed': { event: { type: 'phase.completed', cluster: C, phase: PHASE }, then: (s) => withPhase(s, { completed: true }) },
  'window.waiting': { event: { type: 'window.waiting', cluster: C, phase: PHASE, wave: 0, until: NOW + 3_600_000 }, then: same },
  'gates.evaluated': { event: { type: 'gates.evaluated', cluster: C, phase: PHASE, when: 'before-wave', wave: 1, passed: true, results: [GATE] }, then: (s, t) => ({ ...s, gates: [...s.gates, { at: t, cluster: C, when: 'before-wave', wave: 1, results: [GATE] }] }) },
  'wave.started': { event: { type: 'wave.started', cluster: C, phase: PHASE, wave: 0, nodes: [N] }, then: same },
  'wave.completed': { event: { type: 'wave.completed', cluster: C, phase: PHASE, wave: 0 }, then: (s) => withPhase(s, { wavesDone: 1 }) },
  'wave.soaked': { event: { type: 'wave.soaked', cluster: C, phase: PHASE, wave: 0, ms: 60_000 }, then: same },
  'node.cordon.requested': { event: { type: 'node.cordon.requested', cluster: C, node: 'node-a2' }, then: (s, t) => ({ ...s, nodes: { ...s.nodes, [nodeKey(C, 'node-a2')]: { cluster: C, node: 'node-a2', step: 'cordoning', startedAt: t } } }) },
  'node.cordoned': { given: [{ type: 'node.cordon.requested', cluster: C, node: 'node-a2' }], event: { type: 'node.cordoned', cluster: C, node: 'node-a2', changed: false, previousOwner: RUN }, then: (s) => ({ ...s, nodes: { ...s.nodes, [nodeKey(C, 'node-a2')]: { ...(s.nodes[nodeKey(C, 'node-a2')] as NodeState), step: 'cordoned', cordonChanged: false } } }) },
  'node.drain.started': { event: { type: 'node.drain.started', cluster: C, node: N, pods: [] }, then: (s) => withNode(s, { step: 'draining' }) },
  'node.pod.blocked': { event: { type: 'node.pod.blocked', cluster: C, node: N, pod: 'shop/web-1', answer: { kind: 'blocked', message: 'budget' }, diagnostic: 'refused by its budget' }, then: same },
  'node.drained': { event: { type: 'node.drained', cluster: C, node: N, ms: 1000, evicted: 2 }, then: (s) => withNode(s, { step: 'drained' }) },
  'node.drain.timeout': { event: { type: 'node.drain.timeout', cluster: C, node: N, policy: 'skip', blockers: ['shop/web-1: PDB'] }, then: (s) => withNode(s, { blockers: ['shop/web-1: PDB'] }) },
  'node.pods.deleted': {
    given: [{ type: 'node.pods.deleted', cluster: C, node: N, pods: ['shop/a'] }],
    event: { type: 'node.pods.deleted', cluster: C, node: N, pods: ['shop/b'], budgets: [{ pdb: 'shop/web', desiredHealthy: 2, healthyBefore: 2, deleted: 1 }] },
    then: (s) => withNode(s, { step: 'drained', forced: { pods: ['shop/a', 'shop/b'], budgets: [{ pdb: 'shop/web', desiredHealthy: 2, healthyBefore: 2, deleted: 1 }] } }),
  },
  'node.action.requested': { event: { type: 'node.action.requested', cluster: C, node: N, ...ACTION }, then: (s, t) => withNode(s, { step: 'acting', action: { ...ACTION, requestedAt: t } }) },
  'node.action.confirmed': { event: { type: 'node.action.confirmed', cluster: C, node: N, bootId: 'boot-2', kubeletVersion: 'v1.30.4', ms: 5000 }, then: (s) => withNode(s, { step: 'back' }) },
  'node.action.failed': { event: { type: 'node.action.failed', cluster: C, node: N, message: 'the agent says no' }, then: (s) => withNode(s, { message: 'the agent says no' }) },
  'node.ready': { event: { type: 'node.ready', cluster: C, node: N, ms: 100 }, then: (s) => withNode(s, { step: 'ready' }) },
  'node.ready.timeout': { event: { type: 'node.ready.timeout', cluster: C, node: N, policy: 'fail', message: 'not back' }, then: (s) => withNode(s, { message: 'not back' }) },
  'node.uncordon.requested': { event: { type: 'node.uncordon.requested', cluster: C, node: N }, then: (s) => withNode(s, { step: 'uncordoning' }) },
  'node.uncordoned': { event: { type: 'node.uncordoned', cluster: C, node: N, changed: true }, then: (s) => withNode(s, { step: 'uncordoning' }) },
  'node.done': { event: { type: 'node.done', cluster: C, node: N, outcome: 'skipped', message: 'drain refused' }, then: (s, t) => withNode(s, { step: 'done', outcome: 'skipped', message: 'drain refused', doneAt: t }) },
  'kubernetes.path.checked': { event: { type: 'kubernetes.path.checked', cluster: C, phase: 'k8s', apiserver: 'v1.36.0', to: 'v1.37.0', passed: true, problems: [] }, then: same },
  'backup.requested': { event: { type: 'backup.requested', cluster: C, phase: 'k8s', backup: 'velero', name: 'b1', namespace: 'velero' }, then: same },
  'backup.completed': { event: { type: 'backup.completed', cluster: C, phase: 'k8s', name: 'b1', ms: 1000 }, then: same },
  'backup.failed': { event: { type: 'backup.failed', cluster: C, phase: 'k8s', name: 'b1', reason: 'PartiallyFailed' }, then: same },
  // A node already done stays as it was: the check is journaled after its maintenance
  'control-plane.checked': { given: [{ type: 'node.done', cluster: C, node: N, outcome: 'maintained' }], event: { type: 'control-plane.checked', cluster: C, node: N, phase: 'k8s', passed: true, results: [GATE] }, then: same },
  'platform.diffed': { event: { type: 'platform.diffed', cluster: C, phase: 'platform', from: { path: 'a', sha256: '1' }, to: { path: 'b', sha256: '2' }, order: ['x'], removed: [], downgrades: [] }, then: same },
  'component.started': { event: { type: 'component.started', cluster: C, phase: 'platform', component: 'x', to: '2.0.0', steps: [] }, then: same },
  'component.changelog': { event: { type: 'component.changelog', cluster: C, phase: 'platform', component: 'x', file: 'CHANGELOG.md', entries: 2, breaking: [], missingTarget: false }, then: same },
  'component.silences.skipped': { event: { type: 'component.silences.skipped', cluster: C, phase: 'platform', component: 'x', matchers: [], reason: 'no alertmanager' }, then: same },
  'component.command.requested': { event: { type: 'component.command.requested', cluster: C, phase: 'platform', component: 'x', step: 'upgrade', command: 'helm upgrade' }, then: same },
  'component.command.finished': { event: { type: 'component.command.finished', cluster: C, phase: 'platform', component: 'x', step: 'upgrade', passed: true, exitCode: 0, timedOut: false, ms: 10, output: '' }, then: same },
  'component.checked': { event: { type: 'component.checked', cluster: C, phase: 'platform', component: 'x', passed: true, results: [] }, then: same },
  'component.upgraded': { event: { type: 'component.upgraded', cluster: C, phase: 'platform', component: 'x', to: '2.0.0' }, then: same },
  'component.failed': { event: { type: 'component.failed', cluster: C, phase: 'platform', component: 'x', step: 'check', reason: 'crashloop' }, then: same },
  // The balancer from before the first drain is kept: a second one does not overwrite it
  'traffic.before': { event: { type: 'traffic.before', cluster: R, regions: { [R]: regionTraffic({ weight: 0 }) } }, then: same },
  'region.preconditions': { event: { type: 'region.preconditions', cluster: R, passed: true, results: [GATE] }, then: (s) => withRegion(s, { preconditions: [GATE] }) },
  'silence.requested': { event: { type: 'silence.requested', cluster: R, alertmanager: 'http://am:9093', marker: 'm' }, then: same },
  'silence.created': { event: { type: 'silence.created', cluster: R, alertmanager: 'http://am:9094', id: 'sil-2' }, then: (s) => withRegion(s, { silences: { 'sil-1': 'http://am:9093', 'sil-2': 'http://am:9094' } }) },
  'silence.expired': { event: { type: 'silence.expired', cluster: R, alertmanager: 'http://am:9093', id: 'sil-1' }, then: (s) => withRegion(s, { silences: {} }) },
  'hook.ran': { event: { type: 'hook.ran', cluster: R, result: { on: 'pre-drain', type: 'command', target: './pre.sh', ok: true, onFailure: 'fail', exitCode: 0, timedOut: false, durationMs: 5, output: '', message: 'exited 0' } }, then: same },
  // A new drain after steps were passed starts a new leave: every step again
  'traffic.drain.requested': { given: [{ type: 'traffic.step.passed', cluster: R, step: 0, percent: 10 }], event: { type: 'traffic.drain.requested', cluster: R, before: regionTraffic() }, then: (s) => withRegion(s, { stage: 'draining', stepsDone: 0 }) },
  'traffic.drained': { given: [{ type: 'traffic.drain.requested', cluster: R, before: regionTraffic() }], event: { type: 'traffic.drained', cluster: R, result: { newTrafficStoppedMs: 1, sessionsGoneMs: 2, sessionsShut: 0 } }, then: (s) => withRegion(s, { stage: 'drained' }) },
  'region.validated': { event: { type: 'region.validated', cluster: R, passed: true, results: [GATE] }, then: (s) => withRegion(s, { validation: [GATE] }) },
  'traffic.step.requested': { event: { type: 'traffic.step.requested', cluster: R, step: 0, percent: 10 }, then: (s) => withRegion(s, { stage: 'restoring' }) },
  'traffic.step.set': { event: { type: 'traffic.step.set', cluster: R, step: 0, percent: 10, weight: 10 }, then: same },
  'analysis.measured': { event: { type: 'analysis.measured', cluster: R, step: 0, records: [], failures: 0, inconclusive: 0, successes: 1 }, then: same },
  'traffic.step.passed': { given: [{ type: 'traffic.step.passed', cluster: R, step: 1, percent: 50 }], event: { type: 'traffic.step.passed', cluster: R, step: 0, percent: 10 }, then: same },
  'traffic.cut.requested': { event: { type: 'traffic.cut.requested', cluster: R, reason: 'error rate' }, then: same },
  'traffic.cut': { event: { type: 'traffic.cut', cluster: R, reason: 'error rate 0.31', ms: 20, weight: 0 }, then: (s) => withRegion(s, { stage: 'cut', reason: 'error rate 0.31' }) },
  'traffic.restored': { event: { type: 'traffic.restored', cluster: R, weight: 100 }, then: (s) => withRegion(s, { stage: 'restored', weight: 100 }) },
  'traffic.put-back': { event: { type: 'traffic.put-back', cluster: R, weight: 80, by: 'daylight recover' }, then: (s) => withRegion(s, { stage: 'restored', weight: 80 }) },
  'approval.requested': {
    event: { type: 'approval.requested', step: 'phase/os-patch', phase: PHASE, name: 'change board', message: 'CAB-1234 approved?', deadline: NOW + 3_600_000, onTimeout: 'reject' },
    then: (s, t) => ({ ...s, approvals: { 'phase/os-patch': { step: 'phase/os-patch', phase: PHASE, name: 'change board', message: 'CAB-1234 approved?', requestedAt: t, deadline: NOW + 3_600_000, onTimeout: 'reject', status: 'waiting' } } }),
  },
  'approval.granted': {
    given: [APPROVAL_ASKED],
    event: { type: 'approval.granted', step: 'phase/os-patch', by: 'alice', via: 'cli', answeredAt: '2023-11-14T22:20:00.000Z', comment: 'CAB-1234', answer: 'a-1' },
    then: (s) => ({ ...s, approvals: { 'phase/os-patch': { ...(s.approvals['phase/os-patch'] as ApprovalState), status: 'granted', by: 'alice', via: 'cli', answeredAt: '2023-11-14T22:20:00.000Z', comment: 'CAB-1234', answer: 'a-1' } } }),
  },
  // A second answer to an answered step changes nothing: the first one counts
  'approval.rejected': {
    given: [APPROVAL_ASKED, { type: 'approval.granted', step: 'phase/os-patch', by: 'alice', via: 'cli', answeredAt: '2023-11-14T22:20:00.000Z' }],
    event: { type: 'approval.rejected', step: 'phase/os-patch', by: 'bob', via: 'dashboard', answeredAt: '2023-11-14T22:21:00.000Z', comment: 'no' },
    then: same,
  },
  'control.received': { event: { type: 'control.received', command: 'pause' }, then: same },
  'run.paused': { event: { type: 'run.paused', reason: 'paused by daylight pause' }, then: (s) => ({ ...s, status: 'paused', reason: 'paused by daylight pause' }) },
  'run.aborted': { event: { type: 'run.aborted', reason: 'aborted' }, then: (s, t) => ({ ...s, status: 'aborted', reason: 'aborted', endedAt: t }) },
  'run.succeeded': { event: { type: 'run.succeeded' }, then: (s, t) => ({ ...s, status: 'succeeded', endedAt: t }) },
  'run.failed': { event: { type: 'run.failed', reason: 'node-a1 failed' }, then: (s, t) => ({ ...s, status: 'failed', reason: 'node-a1 failed', endedAt: t }) },
  // Given back before its action: a resumed run maintains it from the start
  'node.recovered': { event: { type: 'node.recovered', cluster: C, node: N, by: 'daylight recover' }, then: (s) => ({ ...s, nodes: { ...s.nodes, [key]: { cluster: C, node: N, step: 'pending', recovered: 'daylight recover' } } }) },
  'node.held': { event: { type: 'node.held', cluster: C, node: N, reason: 'NotReady' }, then: (s) => withNode(s, { held: 'NotReady' }) },
  warning: { event: { type: 'warning', cluster: R, message: 'silence sil-1 could not be expired' }, then: (s) => ({ ...s, warnings: [...s.warnings, `${R}: silence sil-1 could not be expired`] }) },
  'run.degraded': { event: { type: 'run.degraded', reason: '1 node skipped', problems: ['eu-central/node-a2: skipped'] }, then: (s, t) => ({ ...s, status: 'degraded', reason: '1 node skipped', problems: ['eu-central/node-a2: skipped'], endedAt: t }) },
  // A rollout's stages: started once (a second start after a resume keeps the first), then their groups, gates, failures and soak
  'rollout.stage.started': {
    given: [STAGE_STARTED],
    event: { type: 'rollout.stage.started', stage: 'prod', groups: [] },
    then: same,
  },
  'rollout.gate.waiting': { given: [STAGE_STARTED, { type: 'rollout.gate.waiting', stage: 'prod', gate: 'schedule', until: NOW + 60_000 }], event: { type: 'rollout.gate.waiting', stage: 'prod', gate: 'schedule', until: NOW + 120_000 }, then: same },
  'rollout.gates.evaluated': { given: [STAGE_STARTED], event: { type: 'rollout.gates.evaluated', stage: 'prod', cluster: C, when: 'after', passed: false, results: [GATE] }, then: (s) => withStage(s, { analysed: { [C]: false } }) },
  'rollout.cluster.started': { given: [STAGE_STARTED], event: { type: 'rollout.cluster.started', stage: 'prod', group: 'region=eu', cluster: C }, then: same },
  'rollout.cluster.failed': { given: [STAGE_STARTED], event: { type: 'rollout.cluster.failed', stage: 'prod', group: 'region=eu', cluster: C, reason: 'analysis failed' }, then: (s) => ({ ...s, failedClusters: { [C]: { stage: 'prod', group: 'region=eu', reason: 'analysis failed' } } }) },
  'rollout.group.completed': { given: [STAGE_STARTED], event: { type: 'rollout.group.completed', stage: 'prod', group: 'region=eu' }, then: (s) => withStage(s, { groupsDone: { 'region=eu': 'completed' } }) },
  'rollout.group.stopped': { given: [STAGE_STARTED], event: { type: 'rollout.group.stopped', stage: 'prod', group: 'region=eu', reason: '1 failed' }, then: (s) => withStage(s, { groupsDone: { 'region=eu': 'stopped' } }) },
  'rollout.stage.halted': { given: [STAGE_STARTED], event: { type: 'rollout.stage.halted', stage: 'prod', reason: 'beyond 0' }, then: (s, t) => withStage(s, { status: 'halted', reason: 'beyond 0', endedAt: t }) },
  'rollout.stage.completed': { given: [STAGE_STARTED], event: { type: 'rollout.stage.completed', stage: 'prod' }, then: (s, t) => withStage(s, { status: 'completed', endedAt: t }) },
  'rollout.soak.started': { given: [STAGE_STARTED, { type: 'rollout.soak.started', stage: 'prod', until: NOW + 1_000 }], event: { type: 'rollout.soak.started', stage: 'prod', until: NOW + 9_000 }, then: same },
  'rollout.continued': {
    event: { type: 'rollout.continued', from: 'fleet-1', clusters: [C], stages: ['dev'] },
    then: (s) => ({ ...s, continuedFrom: { run: 'fleet-1', clusters: [C], stages: ['dev'] } }),
  },
  // A skip is kept once per target: a second request for it changes nothing
  'rollout.skipped': {
    given: [{ type: 'rollout.skipped', id: 's-1', key: 'cluster/prod-us-1', by: 'alice', via: 'cli', comment: 'hardware ticket' }],
    event: { type: 'rollout.skipped', id: 's-2', key: 'cluster/prod-us-1', by: 'bob', via: 'cli' },
    then: same,
  },
  // The first resolution under a key stands: a resumed run that asked again keeps it
  'version.resolved': {
    given: [{ type: 'version.resolved', key: 'kubernetes v1.31', version: 'v1.31.2', from: 'versions.json', offered: ['v1.31.2'], cluster: C }],
    event: { type: 'version.resolved', key: 'kubernetes v1.31', version: 'v1.31.3', from: 'versions.json', offered: ['v1.31.2', 'v1.31.3'], cluster: R },
    then: same,
  },
  'rollout.soak.completed': { given: [STAGE_STARTED, { type: 'rollout.stage.completed', stage: 'prod' }], event: { type: 'rollout.soak.completed', stage: 'prod' }, then: same },
};

/** The event types of the RunEvent union, read from its source. */
function unionTypes(): string[] {
  const src = readFileSync(new URL('../../../src/engine/events.ts', import.meta.url), 'utf8');
  const union = src.slice(src.indexOf('export type RunEvent ='), src.indexOf('export type RunEventType'));
  return [...union.matchAll(/readonly type: '([^']+)'/g)].map((m) => m[1] as string);
}

test('the reducer has a case for every event type of the journal', () => {
  // Given the event types of the RunEvent union, as written in events.ts
  const types = unionTypes();
  assert.ok(types.length >= 60, `only ${types.length} event types read from events.ts: the union moved?`);
  // Then each has a case in this table, and the table has no type the union lost
  assert.deepEqual(Object.keys(CASES).sort(), [...types].sort());
});

test('each event applied once to a run under way gives the state it must produce', () => {
  for (const [type, c] of Object.entries(CASES) as [RunEventType, Case][]) {
    // Given a run under way (and the case's own events before)
    const given = [...BASE, ...(c.given ?? [])];
    const before = replay(RUN, journal(given));
    // When the event is journaled and the journal replayed
    const after = replay(RUN, journal([...given, c.event]));
    // Then the state is the expected one, and the event left the state it was given untouched
    assert.deepEqual(after, c.then(before, at(given.length)), type);
    assert.deepEqual(replay(RUN, journal(given)), before, `${type} changed what was replayed before it`);
  }
});

test('a node recovered after its action keeps its step, and an uncordon after its outcome finishes it', () => {
  // Given a node whose action was requested, then given back by daylight recover
  const acted: RunEvent[] = [...BASE, { type: 'node.drained', cluster: C, node: N, ms: 1, evicted: 0 }, { type: 'node.action.requested', cluster: C, node: N, ...ACTION }];
  const recovered = replay(RUN, journal([...acted, { type: 'node.recovered', cluster: C, node: N, by: 'daylight recover' }])).nodes[key];
  // Then it stays where it was (acting), marked as recovered: its action may have been done
  assert.equal(recovered?.step, 'acting');
  assert.equal(recovered?.recovered, 'daylight recover');
  // Given a node given back after its outcome was journaled (giveBackAll records node.done, then the uncordon of a resumed run)
  const done = replay(RUN, journal([...acted, { type: 'node.done', cluster: C, node: N, outcome: 'failed' }, { type: 'node.uncordoned', cluster: C, node: N, changed: true }])).nodes[key];
  // Then it is done, with its outcome
  assert.deepEqual([done?.step, done?.outcome], ['done', 'failed']);
  // And a node cordoned twice keeps the first cordon's answer and start time
  const twice = replay(RUN, journal([...BASE, { type: 'node.cordon.requested', cluster: C, node: N }, { type: 'node.cordoned', cluster: C, node: N, changed: false }])).nodes[key];
  assert.deepEqual([twice?.cordonChanged, twice?.startedAt], [true, at(3)]);
});

test('an approval asked again after a resume keeps its first time and deadline; a rejection is kept with who, when and why', () => {
  // Given an approval asked with a deadline, then asked again by a resumed run (a later deadline)
  const asked: RunEvent = { type: 'approval.requested', step: 'phase/os-patch/wave/2', phase: PHASE, cluster: C, wave: 1, deadline: NOW + 60_000, onTimeout: 'approve' };
  const again: RunEvent = { ...asked, deadline: NOW + 999_000 };
  const waiting = replay(RUN, journal([...BASE, asked, { type: 'run.paused', reason: 'interrupted' }, { type: 'run.resumed', holder: 'h' }, again]));
  // Then it waits, with the first request's time and deadline
  const a = waiting.approvals['phase/os-patch/wave/2'];
  assert.deepEqual([a?.status, a?.requestedAt, a?.deadline, a?.onTimeout, a?.cluster], ['waiting', at(BASE.length), NOW + 60_000, 'approve', C]);
  // When it is rejected
  const rejected = replay(RUN, journal([...BASE, asked, { type: 'approval.rejected', step: 'phase/os-patch/wave/2', by: 'bob', via: 'dashboard', answeredAt: '2023-11-14T22:21:00.000Z', comment: 'freeze' }]));
  // Then the state holds who, how, when and why
  const r = rejected.approvals['phase/os-patch/wave/2'];
  assert.deepEqual([r?.status, r?.by, r?.via, r?.answeredAt, r?.comment], ['rejected', 'bob', 'dashboard', '2023-11-14T22:21:00.000Z', 'freeze']);
  // And an answer to a step never asked for is not an approval
  assert.deepEqual(replay(RUN, journal([...BASE, { type: 'approval.granted', step: 'phase/other', by: 'eve', via: 'cli', answeredAt: 'x' }])).approvals, {});
});
