// How a run looks while it happens: one JSON event per line with -o json; in a terminal a live task list
// of the current wave with each node's state and time; otherwise one plain line per step.
import type { JournalEntry, RunEvent } from '../engine/events.ts';

export type ViewMode = 'json' | 'tty' | 'text';

interface NodeLine {
  node: string;
  state: string;
  since: number;
  started: number;
  note?: string;
  done: boolean;
}

const STEP_TEXT: Partial<Record<RunEvent['type'], string>> = {
  'node.cordon.requested': 'cordoning',
  'node.cordoned': 'cordoned',
  'node.drain.started': 'draining',
  'node.drained': 'drained',
  'node.action.requested': 'rebooting',
  'node.action.confirmed': 'back, waiting for workloads',
  'node.ready': 'ready',
  'node.uncordon.requested': 'uncordoning',
};

export class RunView {
  private readonly mode: ViewMode;
  private readonly write: (text: string) => void;
  private lines = new Map<string, NodeLine>();
  private header = '';
  /** Region → weight at the global load balancer, as the journal last said. */
  private readonly weights = new Map<string, number>();
  private drawn = 0;

  constructor(mode: ViewMode, write: (text: string) => void) {
    this.mode = mode;
    this.write = write;
  }

  onEntry(entry: JournalEntry): void {
    if (this.mode === 'json') {
      this.write(`${JSON.stringify({ runId: entry.runId, seq: entry.seq, at: new Date(entry.at).toISOString(), ...entry.event })}\n`);
      return;
    }
    const text = this.track(entry);
    if (this.mode === 'text') {
      if (text) this.write(`${clock(entry.at)} ${text}\n`);
      return;
    }
    this.redraw(text, entry.at);
  }

  /** Updates the task list; returns a line worth printing on its own, if any. */
  private track(entry: JournalEntry): string | undefined {
    const e = entry.event;
    switch (e.type) {
      case 'run.started':
        return `run ${entry.runId} started: plan ${e.plan.name} on ${e.clusters.join(', ')}`;
      case 'run.resumed':
        return `run ${entry.runId} resumed`;
      case 'phase.planned':
        return `${e.cluster} · ${e.phase}: ${e.waves.length} waves, at most ${e.budget} nodes at once${e.excluded.length ? `; left out: ${e.excluded.map((x) => `${x.node} (${x.reason})`).join(', ')}` : ''}`;
      case 'wave.started':
        this.lines = new Map(e.nodes.map((n) => [n, { node: n, state: 'waiting', since: entry.at, started: entry.at, done: false }]));
        this.header = `${e.cluster} · ${e.phase} · wave ${e.wave + 1}: ${e.nodes.length} node(s)`;
        return this.mode === 'text' ? this.header : undefined;
      case 'wave.completed':
        return `${e.cluster} · ${e.phase} · wave ${e.wave + 1} done: ${this.summary()}`;
      case 'gates.evaluated':
        return `${e.cluster} gates ${e.when}${e.wave !== undefined ? ` wave ${e.wave + 1}` : ''}: ${e.results.map((r) => `${r.passed ? 'ok' : 'FAILED'} ${r.gate}${r.passed ? '' : ` (${r.message})`}`).join(', ')}`;
      case 'window.waiting':
        return `${e.cluster} waits for the maintenance window until ${new Date(e.until).toISOString()}`;
      case 'node.pod.blocked':
        this.note(e.node, e.diagnostic, entry.at);
        return this.mode === 'text' ? `${e.node}: ${e.diagnostic}` : undefined;
      case 'node.drain.timeout':
        return `${e.node}: drain timed out (policy ${e.policy}): ${e.blockers.join('; ')}`;
      case 'node.ready.timeout':
      case 'node.action.failed':
        return `${e.node}: ${e.message}`;
      case 'node.done':
        this.step(e.node, e.outcome, entry.at, true);
        return this.mode === 'text' ? `${e.node}: ${e.outcome}${e.message ? ` (${e.message})` : ''}` : undefined;
      case 'traffic.before':
        for (const [r, t] of Object.entries(e.regions)) this.weights.set(r, t.weight);
        return `traffic before ${e.cluster} leaves: ${this.split()}`;
      case 'region.preconditions':
        return `${e.cluster} may leave traffic? ${e.results.map((r) => `${r.passed ? 'ok' : 'NO'} ${r.gate}: ${r.message}`).join('; ')}`;
      case 'traffic.drain.requested':
        return `${e.cluster}: draining at the global load balancer`;
      case 'traffic.drained':
        this.weights.set(e.cluster, 0);
        return `${e.cluster} out of traffic: new requests stopped in ${Math.round(e.result.newTrafficStoppedMs)} ms, sessions gone in ${Math.round(e.result.sessionsGoneMs)} ms${e.result.sessionsShut ? ` (${e.result.sessionsShut} shut at the timeout)` : ''} · ${this.split()}`;
      case 'silence.created':
        return `${e.cluster}: alerts silenced (${e.alertmanager}, silence ${e.id})`;
      case 'silence.expired':
        return `${e.cluster}: silence ${e.id} expired`;
      case 'hook.ran':
        return `hook ${e.result.on}${e.cluster ? ` (${e.cluster})` : ''}: ${e.result.ok ? 'ok' : 'FAILED'} ${e.result.target}${e.result.ok ? '' : ` (${e.result.message})`}`;
      case 'region.validated':
        return `${e.cluster} validation: ${e.results.map((r) => `${r.passed ? 'ok' : 'FAILED'} ${r.gate}${r.passed ? '' : ` (${r.message})`}`).join(', ') || 'no checks'}`;
      case 'traffic.step.set':
        if (e.weight !== undefined) this.weights.set(e.cluster, e.weight);
        return `${e.cluster} back to ${e.percent}% · ${this.split()}`;
      case 'analysis.measured':
        return `${e.cluster} step ${e.step + 1}: ${e.records.map((r) => `${r.verdict} ${r.analysis}${r.value !== undefined ? ` = ${r.value}` : ''}`).join(', ')}`;
      case 'traffic.cut':
        this.weights.set(e.cluster, 0);
        return `${e.cluster} SWITCHED BACK to weight 0 in ${e.ms} ms: ${e.reason} · ${this.split()}`;
      case 'traffic.restored':
        this.weights.set(e.cluster, e.weight);
        return `${e.cluster} fully back in traffic · ${this.split()}`;
      case 'preflight.evaluated':
        return e.skipped ? 'preflight skipped' : `preflight: ${e.findings.length} finding(s), ${e.findings.filter((f) => f.severity === 'blocking').length} blocking`;
      case 'kubernetes.path.checked':
        return `${e.cluster} · ${e.phase}: control plane ${e.apiserver} → ${e.to} ${e.passed ? 'within the skew policy' : `REFUSED: ${e.problems.join('; ')}`}`;
      case 'backup.requested':
        return `${e.cluster} · ${e.phase}: backup (${e.backup}${e.name ? ` ${e.namespace ?? ''}/${e.name}` : ''}) requested`;
      case 'backup.completed':
        return `${e.cluster} · ${e.phase}: backup completed in ${duration(e.ms)}`;
      case 'backup.failed':
        return `${e.cluster} · ${e.phase}: backup FAILED: ${e.reason}`;
      case 'control-plane.checked':
        return `${e.node}: control plane ${e.passed ? 'ok' : 'FAILED'}: ${e.results.map((r) => `${r.gate}${r.value !== undefined ? ` = ${r.value}` : ''}`).join(', ')}`;
      case 'platform.diffed':
        return `${e.cluster} · ${e.phase}: components to upgrade, in order: ${e.order.join(', ') || 'none'}${e.downgrades.length ? `; downgrades: ${e.downgrades.join(', ')}` : ''}`;
      case 'component.started':
        return `${e.component}: ${e.from ?? '?'} → ${e.to}`;
      case 'component.changelog':
        return e.breaking.length ? `${e.component}: ${e.breaking.length} breaking change(s): ${e.breaking.map((b) => `${b.version}: ${b.text}`).join(' | ')}` : undefined;
      case 'component.command.finished':
        return `${e.component}: ${e.step} ${e.passed ? 'done' : 'FAILED'} in ${duration(e.ms)}`;
      case 'component.checked':
        return `${e.component}: checks ${e.results.map((r) => `${r.passed ? 'ok' : 'FAILED'} ${r.gate}`).join(', ')}`;
      case 'component.upgraded':
        return `${e.component}: upgraded to ${e.to}`;
      case 'component.failed':
        return `${e.component}: FAILED at ${e.step}: ${e.reason}`;
      case 'run.paused':
        return `run paused: ${e.reason}`;
      case 'run.failed':
        return `run FAILED: ${e.reason}`;
      case 'run.aborted':
        return `run aborted: ${e.reason}`;
      case 'run.succeeded':
        return `run ${entry.runId} succeeded`;
      case 'run.degraded':
        return `run ${entry.runId} DEGRADED: ${e.reason}`;
      case 'node.held':
        return `${e.cluster}/${e.node}: LEFT CORDONED: ${e.reason}`;
      case 'warning':
        return `warning: ${e.cluster ? `${e.cluster}: ` : ''}${e.message}`;
      case 'approval.requested':
        return `WAITING FOR APPROVAL of ${e.step}${e.name ? ` (${e.name})` : ''}${e.message ? `: ${e.message}` : ''}${e.deadline !== undefined ? `; ${e.onTimeout === 'approve' ? 'approved' : 'rejected'} by itself at ${new Date(e.deadline).toISOString()}` : ''}\n  → daylight approve ${entry.runId} --step ${e.step} [--comment TEXT]   or   daylight reject ${entry.runId} --step ${e.step} --comment TEXT`;
      case 'approval.granted':
      case 'approval.rejected':
        return `${e.step} ${e.type === 'approval.granted' ? 'approved' : 'REJECTED'} by ${e.by}${e.comment ? `: ${e.comment}` : ''}`;
      default: {
        const text = STEP_TEXT[e.type];
        if (text && 'node' in e) {
          this.step(e.node, text, entry.at, false);
          return this.mode === 'text' ? `${e.node}: ${text}` : undefined;
        }
        return undefined;
      }
    }
  }

  private step(node: string, state: string, at: number, done: boolean): void {
    const l = this.lines.get(node) ?? { node, state, since: at, started: at, done };
    this.lines.set(node, { ...l, state, since: at, done, note: done ? undefined : l.note });
  }

  private note(node: string, note: string, at: number): void {
    const l = this.lines.get(node) ?? { node, state: 'draining', since: at, started: at, done: false };
    this.lines.set(node, { ...l, note });
  }

  /** The share of new requests each region gets now, as bars. */
  private split(): string {
    const sum = [...this.weights.values()].reduce((a, b) => a + b, 0);
    return [...this.weights].map(([r, w]) => {
      const pct = sum > 0 ? Math.round((w / sum) * 100) : 0;
      const filled = Math.round(pct / 10);
      return `${r} ${'█'.repeat(filled)}${'░'.repeat(10 - filled)} ${pct}%`;
    }).join('  ');
  }

  private summary(): string {
    const counts = new Map<string, number>();
    for (const l of this.lines.values()) counts.set(l.state, (counts.get(l.state) ?? 0) + 1);
    return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  }

  /** Redraws the live block in place; lines worth keeping scroll above it. */
  private redraw(scroll: string | undefined, at: number): void {
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A\x1b[0J` : '';
    if (scroll) out += `${clock(at)} ${scroll}\n`;
    const traffic = this.weights.size > 0 ? [`traffic  ${this.split()}`] : [];
    const block = [...traffic, ...(this.lines.size > 0 ? [this.header, ...[...this.lines.values()].map((l) => this.row(l, at))] : [])];
    out += block.map((l) => `${l}\n`).join('');
    this.drawn = block.length;
    this.write(out);
  }

  private row(l: NodeLine, now: number): string {
    const mark = l.done ? (l.state === 'maintained' ? '✔' : '!') : '…';
    const took = duration((l.done ? l.since : now) - l.started);
    return `  ${mark} ${l.node.padEnd(28)} ${l.state.padEnd(30)} ${took.padStart(7)}${l.note ? `  ${l.note}` : ''}`;
  }
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
