// The run's timeline from its journal: phases with their waves, each node with its steps (cordon, drain,
// action, ready, uncordon) and durations, and each region with its drain, validation and restore steps.
import type { JournalEntry, PlannedWave, RunEvent } from '../engine/events.ts';
import { between, isoOf, stampOf } from './stamp.ts';
import { StepList } from './steps.ts';
import type { NodeTimeline, PhaseTimeline, RegionTimeline, Stamp, Timeline, WaveTimeline } from './types.ts';

type NodeEvent = Extract<RunEvent, { node: string }>;

interface NodeDraft {
  cluster: string;
  node: string;
  phase?: string;
  wave?: number;
  outcome?: string;
  message?: string;
  started?: Stamp;
  done?: Stamp;
  steps: StepList;
}

interface PhaseDraft {
  cluster: string;
  phase: string;
  budget: number;
  planned: Stamp;
  completed?: Stamp;
  waves: Map<number, WaveDraft>;
  excluded: readonly { node: string; reason: string }[];
  windowWaits: { at: Stamp; wave: number; until: string }[];
}

type WaveDraft = { -readonly [K in keyof WaveTimeline]: WaveTimeline[K] };

export function buildTimeline(entries: readonly JournalEntry[]): Timeline {
  const nodes = new Map<string, NodeDraft>();
  const phases = new Map<string, PhaseDraft>();
  const regions = new Map<string, { stage: string; steps: StepList }>();
  for (const entry of entries) {
    const e = entry.event;
    const at = stampOf(entry);
    if ('node' in e && 'cluster' in e) nodeEntry(draftOf(nodes, e), e, at);
    else if (isRegionEvent(e)) regionEntry(regionOf(regions, e.cluster), e, at);
    else phaseEntry(phases, nodes, e, at);
  }
  return {
    phases: [...phases.values()].map(finishPhase),
    nodes: [...nodes.values()].map((n) => ({
      cluster: n.cluster, node: n.node,
      ...(n.phase !== undefined ? { phase: n.phase } : {}), ...(n.wave !== undefined ? { wave: n.wave } : {}),
      ...(n.outcome !== undefined ? { outcome: n.outcome } : {}), ...(n.message !== undefined ? { message: n.message } : {}),
      ...(n.started ? { started: n.started } : {}), ...(n.done ? { done: n.done, durationMs: between(n.started, n.done) } : {}),
      steps: n.steps.list(),
    } satisfies NodeTimeline)),
    regions: [...regions].map(([cluster, r]) => ({ cluster, stage: r.stage, steps: r.steps.list() } satisfies RegionTimeline)),
  };
}

function draftOf(nodes: Map<string, NodeDraft>, e: NodeEvent): NodeDraft {
  const key = `${e.cluster}/${e.node}`;
  let d = nodes.get(key);
  if (!d) nodes.set(key, (d = { cluster: e.cluster, node: e.node, steps: new StepList() }));
  return d;
}

function nodeEntry(n: NodeDraft, e: NodeEvent, at: Stamp): void {
  n.started ??= at;
  const s = n.steps;
  switch (e.type) {
    case 'node.cordon.requested':
      return s.start('cordon', at);
    case 'node.cordoned':
      return s.end('cordon', at, { ok: true, result: e.changed ? `cordoned${e.previousOwner ? ` (was held by ${e.previousOwner})` : ''}` : 'already cordoned by this run' });
    case 'node.drain.started':
      return s.start('drain', at, podCounts(e.pods));
    case 'node.pod.blocked':
      return s.note('drain', `blocked: ${e.pod}: ${e.diagnostic}`);
    case 'node.drained':
      return s.end('drain', at, { ok: true, durationMs: e.ms, result: `${e.evicted} pod(s) evicted` });
    case 'node.drain.timeout':
      return s.end('drain', at, { ok: false, result: `timed out (policy ${e.policy}); blocked by ${e.blockers.join('; ') || 'nothing named'}` });
    case 'node.pods.deleted':
      return s.point('delete pods', at, `deleted outside the Eviction API (force): ${e.pods.join(', ')}${(e.budgets ?? []).map((b) => `; PDB ${b.pdb} below its minimum (needs ${b.desiredHealthy}, had ${b.healthyBefore}, ${b.deleted} deleted)`).join('')}`, false);
    case 'node.held':
      return s.point('left cordoned', at, e.reason, false);
    case 'node.recovered':
      return s.point('recovered', at, `uncordoned by ${e.by} while the run was stopped`, false);
    case 'node.action.requested':
      return s.start('action', at, `${e.operation}${e.version ? ` to ${e.version}` : ''} requested (${e.id})`);
    case 'node.action.confirmed':
      s.end('action', at, { ok: true, durationMs: e.ms, result: `confirmed: bootID ${e.bootId}, kubelet ${e.kubeletVersion}` });
      return s.start('ready', at);
    case 'node.action.failed':
      return s.end('action', at, { ok: false, result: `failed: ${e.message}` });
    case 'node.ready':
      return s.end('ready', at, { ok: true, durationMs: e.ms, result: 'Ready, its pods back' });
    case 'node.ready.timeout':
      return s.end('ready', at, { ok: false, result: `not Ready in time (policy ${e.policy}): ${e.message}` });
    case 'node.uncordon.requested':
      return s.start('uncordon', at);
    case 'node.uncordoned':
      return s.end('uncordon', at, { ok: true, result: e.changed ? 'uncordoned' : 'already schedulable' });
    case 'node.done':
      n.outcome = e.outcome;
      n.done = at;
      if (e.message !== undefined) n.message = e.message;
      return;
  }
}

function podCounts(pods: readonly { decision: string }[]): string {
  const by: Record<string, number> = {};
  for (const p of pods) by[p.decision] = (by[p.decision] ?? 0) + 1;
  return `${pods.length} pod(s): ${Object.entries(by).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}; not confirmed in the journal`;
}

type RegionEvent = Extract<RunEvent, { type: `traffic.${string}` | `region.${string}` | `silence.${string}` }>;

function isRegionEvent(e: RunEvent): e is RegionEvent {
  return /^(traffic|region|silence)\./.test(e.type);
}

function regionOf(regions: Map<string, { stage: string; steps: StepList }>, cluster: string): { stage: string; steps: StepList } {
  let r = regions.get(cluster);
  if (!r) regions.set(cluster, (r = { stage: 'in-service', steps: new StepList() }));
  return r;
}

function regionEntry(r: { stage: string; steps: StepList }, e: RegionEvent, at: Stamp): void {
  const s = r.steps;
  switch (e.type) {
    case 'region.preconditions':
      return s.point('preconditions', at, e.results.map((g) => `${g.gate}: ${g.message}`).join('; '), e.passed);
    case 'silence.created':
      return s.point('silence', at, `silence ${e.id} at ${e.alertmanager}`, true);
    case 'silence.expired':
      return s.point('silence expired', at, `silence ${e.id} at ${e.alertmanager}`, true);
    case 'traffic.drain.requested':
      r.stage = 'draining';
      return s.start('drain', at, `weight ${e.before.weight} before; not confirmed in the journal`);
    case 'traffic.drained':
      r.stage = 'drained';
      return s.end('drain', at, { ok: true, durationMs: e.result.sessionsGoneMs, result: `new traffic stopped in ${Math.round(e.result.newTrafficStoppedMs)} ms, sessions gone in ${Math.round(e.result.sessionsGoneMs)} ms, ${e.result.sessionsShut} shut at the timeout` });
    case 'region.validated':
      return s.point('validate', at, e.results.map((g) => `${g.passed ? 'passed' : 'FAILED'} ${g.gate}: ${g.message}`).join('; ') || 'no validation gates', e.passed);
    case 'traffic.step.requested':
      r.stage = 'restoring';
      return s.start(`restore step ${e.step + 1}`, at, `${e.percent}% requested; not confirmed in the journal`);
    case 'traffic.step.set':
      return s.note(`restore step ${e.step + 1}`, `${e.percent}% set${e.weight !== undefined ? ` (weight ${e.weight})` : ''}; analysis did not finish`);
    case 'traffic.step.passed':
      return s.end(`restore step ${e.step + 1}`, at, { ok: true, result: `${e.percent}% held, analysis passed` });
    default:
      return trafficEnd(r, e, at);
  }
}

function trafficEnd(r: { stage: string; steps: StepList }, e: RegionEvent, at: Stamp): void {
  const s = r.steps;
  switch (e.type) {
    case 'traffic.cut.requested':
      return s.start('switch-back', at, `requested: ${e.reason}`);
    case 'traffic.cut': {
      r.stage = 'cut';
      const failed = openRestoreStep(s);
      if (failed) s.end(failed, at, { ok: false, result: `analysis failed: ${e.reason}` });
      return s.end('switch-back', at, { ok: true, durationMs: e.ms, result: `weight ${e.weight} in ${Math.round(e.ms)} ms: ${e.reason}` });
    }
    case 'traffic.restored':
      r.stage = 'restored';
      return s.point('restored', at, `weight ${e.weight}`, true);
    case 'traffic.put-back':
      r.stage = 'restored';
      return s.point('put back', at, `weight ${e.weight} by ${e.by}`, true);
    default:
      return undefined;
  }
}

function openRestoreStep(s: StepList): string | undefined {
  for (let i = 0; i < 100; i++) if (s.isOpen(`restore step ${i + 1}`)) return `restore step ${i + 1}`;
  return undefined;
}

function phaseEntry(phases: Map<string, PhaseDraft>, nodes: Map<string, NodeDraft>, e: RunEvent, at: Stamp): void {
  if (!('phase' in e) || !('cluster' in e)) return;
  const key = `${e.cluster}/${e.phase}`;
  if (e.type === 'phase.planned') {
    phases.set(key, { cluster: e.cluster, phase: e.phase, budget: e.budget, planned: at, waves: new Map(e.waves.map((w) => [w.index, waveDraft(w)])), excluded: e.excluded, windowWaits: [] });
    return;
  }
  const p = phases.get(key);
  if (!p) return;
  const wave = 'wave' in e && e.wave !== undefined ? p.waves.get(e.wave) : undefined;
  switch (e.type) {
    case 'phase.completed':
      p.completed = at;
      return;
    case 'window.waiting':
      p.windowWaits.push({ at, wave: e.wave, until: isoOf(e.until) });
      return;
    case 'gates.evaluated':
      if (wave && e.when === 'before-wave') wave.gatesPassed = e.passed;
      return;
    case 'wave.started':
      if (wave) wave.started = at;
      for (const n of e.nodes) {
        const d = draftOf(nodes, { type: 'node.cordon.requested', cluster: e.cluster, node: n });
        d.phase = e.phase;
        d.wave = e.wave;
      }
      return;
    case 'wave.completed':
      if (wave) Object.assign(wave, { completed: at, durationMs: between(wave.started, at) });
      return;
    case 'wave.soaked':
      if (wave) wave.soakMs = e.ms;
      return;
  }
}

function waveDraft(w: PlannedWave): WaveDraft {
  return { index: w.index, nodes: w.nodes, ...(w.domain ? { domain: w.domain } : {}), ...(w.reason ? { reason: w.reason } : {}) };
}

function finishPhase(p: PhaseDraft): PhaseTimeline {
  return {
    cluster: p.cluster, phase: p.phase, budget: p.budget, planned: p.planned,
    ...(p.completed ? { completed: p.completed, durationMs: between(p.planned, p.completed) } : {}),
    waves: [...p.waves.values()], excluded: p.excluded, windowWaits: p.windowWaits,
  };
}
