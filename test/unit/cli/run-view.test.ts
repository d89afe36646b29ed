// What a person reads while a run goes: in a plain terminal, one line per step that matters, with the traffic
// split drawn after every change and the platform and Kubernetes steps named; with -o json, every entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunView } from '../../../src/cli/run-view.ts';
import type { JournalEntry, RunEvent } from '../../../src/engine/events.ts';

function entries(events: readonly RunEvent[]): JournalEntry[] {
  return events.map((event, seq) => ({ seq, at: Date.UTC(2026, 10, 22, 9, 0, seq), wall: '', runId: 'run-1', event, prev: '', hash: '' }));
}

function render(mode: 'text' | 'json', events: readonly RunEvent[]): string {
  let out = '';
  const view = new RunView(mode, (t) => void (out += t));
  for (const e of entries(events)) view.onEntry(e);
  return out;
}

const ready = (weight: number) => ({ weight, initialWeight: 50, state: 'ready' as const });

test('given a region drained and given back, the text view draws the split after each change', () => {
  const out = render('text', [
    { type: 'traffic.before', cluster: 'eu-central', regions: { 'eu-central': ready(50), 'eu-west': ready(50) } },
    { type: 'traffic.drained', cluster: 'eu-central', result: { newTrafficStoppedMs: 36, sessionsGoneMs: 40, sessionsShut: 0 } },
    { type: 'traffic.step.set', cluster: 'eu-central', step: 0, percent: 10, weight: 5 },
    { type: 'traffic.restored', cluster: 'eu-central', weight: 50 },
  ]);
  const lines = out.trim().split('\n');
  assert.match(lines[0] ?? '', /traffic before eu-central leaves: eu-central █████░░░░░ 50% {2}eu-west █████░░░░░ 50%$/);
  assert.match(lines[1] ?? '', /eu-central out of traffic: new requests stopped in 36 ms, sessions gone in 40 ms · eu-central ░░░░░░░░░░ 0% {2}eu-west ██████████ 100%$/);
  assert.match(lines[2] ?? '', /eu-central back to 10% · eu-central █░░░░░░░░░ 9% {2}eu-west █████████░ 91%$/);
  assert.match(lines[3] ?? '', /eu-central fully back in traffic · eu-central █████░░░░░ 50% {2}eu-west █████░░░░░ 50%$/);
});

test('given a platform phase and a kubernetes phase, the text view names their steps', () => {
  const out = render('text', [
    { type: 'preflight.evaluated', findings: [], skipped: false },
    { type: 'kubernetes.path.checked', cluster: 'eu-central', phase: 'k8s', apiserver: 'v1.30.4', to: 'v1.31.2', passed: true, problems: [] },
    { type: 'backup.failed', cluster: 'eu-central', phase: 'k8s', name: 'daylight-run-1', reason: 'phase Failed' },
    { type: 'component.started', cluster: 'eu-central', phase: 'stack', component: 'grafana', from: '8.4.0', to: '8.5.1', steps: [] },
    { type: 'component.failed', cluster: 'eu-central', phase: 'stack', component: 'grafana', step: 'grafana/checks', reason: 'http 503' },
  ]);
  assert.match(out, /preflight: 0 finding\(s\), 0 blocking/);
  assert.match(out, /eu-central · k8s: control plane v1\.30\.4 → v1\.31\.2 within the skew policy/);
  assert.match(out, /eu-central · k8s: backup FAILED: phase Failed/);
  assert.match(out, /grafana: 8\.4\.0 → 8\.5\.1/);
  assert.match(out, /grafana: FAILED at grafana\/checks: http 503/);
});

test('with -o json every entry is one line carrying the run id', () => {
  const out = render('json', [{ type: 'run.succeeded' }, { type: 'preflight.evaluated', findings: [], skipped: true }]);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { runId: string; type: string });
  assert.deepEqual(lines.map((l) => [l.runId, l.type]), [['run-1', 'run.succeeded'], ['run-1', 'preflight.evaluated']]);
});
