// Runs written with the real Journal into a temp state directory, for report and audit tests: a small
// regional run (two regions, one maintained: out of traffic, one wave of two nodes, validated, given back
// in two analysed steps) that succeeds, and variants (a failed analysis with switch-back, hostile names).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../src/engine/events.ts';
import { FileJournal } from '../../../src/journal/file-journal.ts';
import type { JournalOptions } from '../../../src/journal/file-journal.ts';
import { createRunDir } from '../../../src/engine/run-dir.ts';
import type { RunPaths } from '../../../src/engine/run-dir.ts';

export const START = Date.parse('2026-09-01T09:00:00Z');
export const SHA = 'a'.repeat(64);

export interface TempState {
  readonly dir: string;
  done(): void;
}

export function tempState(): TempState {
  const dir = mkdtempSync(join(tmpdir(), 'daylight-report-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunOptions {
  /** Name of the second node (a hostile one tests escaping). */
  readonly node?: string;
  /** The second restore step's analysis fails and the region is switched back. */
  readonly fail?: boolean;
  /** Stop after this many events (a run still going). */
  readonly upTo?: number;
}

/** The events of a small regional run, in the order the engine journals them. */
export function regionalRunEvents(o: RunOptions = {}): RunEvent[] {
  const node2 = o.node ?? 'node-b';
  const c = 'eu-central';
  const before = { 'eu-central': { weight: 100, initialWeight: 100, state: 'ready' as const }, 'eu-west': { weight: 100, initialWeight: 100, state: 'ready' as const } };
  const gate = (passed: boolean) => ({ gate: 'kube nodes-ready', type: 'kube', passed, value: passed ? 4 : 3, threshold: '= 4', message: passed ? '4 of 4 nodes Ready' : '3 of 4 nodes Ready' });
  const analysis = (verdict: 'success' | 'failure', step: number) => ({
    type: 'analysis.measured' as const, cluster: c, step,
    records: [{ analysis: 'error rate at the balancer', type: 'proxy' as const, verdict, value: verdict === 'success' ? 0.001 : 0.2, threshold: '<= 0.01', message: verdict === 'success' ? 'error rate 0.1%' : 'error rate 20%', measuredAt: START }],
    failures: verdict === 'failure' ? 1 : 0, inconclusive: 0, successes: verdict === 'success' ? 1 : 0,
  });
  const nodeSteps = (node: string, evicted: number): RunEvent[] => [
    { type: 'node.cordon.requested', cluster: c, node },
    { type: 'node.cordoned', cluster: c, node, changed: true },
    { type: 'node.drain.started', cluster: c, node, pods: [{ pod: `shop/web-${node}`, uid: 'u1', decision: 'evict', reason: 'managed by ReplicaSet shop/web-7d' }] },
    { type: 'node.drained', cluster: c, node, ms: 12_000, evicted },
    { type: 'node.action.requested', cluster: c, node, id: `r/${node}/1`, operation: 'reboot', bootIdBefore: 'boot-1', kubeletBefore: 'v1.30.4' },
    { type: 'node.action.confirmed', cluster: c, node, bootId: 'boot-2', kubeletVersion: 'v1.30.4', ms: 120_000 },
    { type: 'node.ready', cluster: c, node, ms: 30_000 },
    { type: 'node.uncordon.requested', cluster: c, node },
    { type: 'node.uncordoned', cluster: c, node, changed: true },
    { type: 'node.done', cluster: c, node, outcome: 'maintained' },
  ];
  const events: RunEvent[] = [
    { type: 'run.started', plan: { name: 'weekly-os-patch', path: 'examples/plans/demo.yaml', sha256: SHA }, clusters: [c, 'eu-west'], holder: 'run-1' },
    { type: 'lease.acquired', cluster: c, holder: 'run-1' },
    { type: 'traffic.before', cluster: c, regions: before },
    { type: 'region.preconditions', cluster: c, passed: true, results: [{ gate: 'other regions in service', type: 'traffic', passed: true, value: 1, threshold: '>= 1', message: 'eu-west (weight 100, up) in service' }] },
    { type: 'hook.ran', cluster: c, result: { on: 'pre-drain', type: 'webhook', target: 'https://hooks.example/notify?token=…', ok: true, onFailure: 'fail', status: 200, timedOut: false, durationMs: 40, output: 'ok', message: 'HTTP 200' } },
    { type: 'traffic.drain.requested', cluster: c, before: before['eu-central'] },
    { type: 'traffic.drained', cluster: c, result: { newTrafficStoppedMs: 800.4, sessionsGoneMs: 4000.6, sessionsShut: 0 } },
    { type: 'phase.planned', cluster: c, phase: 'os-patch', budget: 2, waves: [{ index: 0, nodes: ['node-a', node2], domain: 'eu-central-1a', reason: 'canary wave' }], excluded: [{ node: 'node-cp', reason: 'control plane: not selected' }] },
    { type: 'gates.evaluated', cluster: c, phase: 'os-patch', when: 'before-wave', wave: 0, passed: true, results: [gate(true)] },
    { type: 'wave.started', cluster: c, phase: 'os-patch', wave: 0, nodes: ['node-a', node2] },
    ...nodeSteps('node-a', 3),
    ...nodeSteps(node2, 2),
    { type: 'wave.completed', cluster: c, phase: 'os-patch', wave: 0 },
    { type: 'gates.evaluated', cluster: c, phase: 'os-patch', when: 'after-phase', passed: true, results: [gate(true)] },
    { type: 'phase.completed', cluster: c, phase: 'os-patch' },
    { type: 'region.validated', cluster: c, passed: true, results: [gate(true)] },
    { type: 'traffic.step.requested', cluster: c, step: 0, percent: 10 },
    { type: 'traffic.step.set', cluster: c, step: 0, percent: 10, weight: 10 },
    analysis('success', 0),
    { type: 'traffic.step.passed', cluster: c, step: 0, percent: 10 },
    { type: 'traffic.step.requested', cluster: c, step: 1, percent: 100 },
    { type: 'traffic.step.set', cluster: c, step: 1, percent: 100, weight: 100 },
    ...(o.fail ? failedEnd(c) : [analysis('success', 1), ...succeededEnd(c)]),
  ];
  return o.upTo !== undefined ? events.slice(0, o.upTo) : events;
}

function succeededEnd(c: string): RunEvent[] {
  return [
    { type: 'traffic.step.passed', cluster: c, step: 1, percent: 100 },
    { type: 'traffic.restored', cluster: c, weight: 100 },
    { type: 'lease.released', cluster: c },
    { type: 'run.succeeded' },
  ];
}

function failedEnd(c: string): RunEvent[] {
  return [
    {
      type: 'analysis.measured', cluster: c, step: 1, failures: 1, inconclusive: 0, successes: 0,
      records: [{ analysis: 'error rate at the balancer', type: 'proxy', verdict: 'failure', value: 0.2, threshold: '<= 0.01', message: 'error rate 20%', measuredAt: START }],
    },
    { type: 'traffic.cut.requested', cluster: c, reason: 'analysis failed at step 2 (100%)' },
    { type: 'traffic.cut', cluster: c, reason: 'analysis failed at step 2 (100%)', ms: 180, weight: 0 },
    { type: 'run.failed', reason: 'eu-central switched back to weight 0 in 180 ms' },
  ];
}

/** Writes the run with the real Journal (signed and anchored with `journal` options), a cluster clock 10 s apart per entry, and an owner.json. */
export function writeRun(stateDir: string, runId: string, events: readonly RunEvent[], journalOptions: JournalOptions = {}): RunPaths {
  const paths = createRunDir(stateDir, runId);
  let t = START;
  const journal = FileJournal.open(paths.journal, runId, () => (t += 10_000), journalOptions);
  try {
    // the file journal seals, writes and syncs in one synchronous stretch: the file holds each entry once append returns
    for (const e of events) void journal.append(e);
  } finally {
    journal.close();
  }
  writeFileSync(paths.owner, `${JSON.stringify({ pid: 4242, host: 'ops-host-1', since: '2026-09-01T09:00:00.000Z' })}\n`);
  return paths;
}
