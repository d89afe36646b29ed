// Every action of a run with its actor, time, target and result: each request the journal recorded
// before a change is paired with the entry that confirmed it, so an action without confirmation shows.
import type { JournalEntry, PodDecision, RunEvent } from '../engine/events.ts';
import { stampOf } from './stamp.ts';
import type { ActionRecord, Stamp } from './types.ts';

/** Output of a hook kept in the report: its tail is enough to see what happened. */
const HOOK_OUTPUT_CHARS = 500;
/** Pod decisions listed per drain; the rest are counted. */
const PODS_LISTED = 30;

interface Draft {
  action: string;
  actor: string;
  target: string;
  requested: Stamp;
  confirmed?: Stamp;
  result: string;
  ok: boolean;
  details: string[];
}

class ActionLog {
  readonly list: Draft[] = [];
  private readonly open = new Map<string, Draft>();
  actor = 'daylight';

  request(action: string, target: string, at: Stamp, details: string[] = []): void {
    const d: Draft = { action, actor: this.actor, target, requested: at, result: 'requested; no confirmation in the journal', ok: false, details };
    this.open.set(`${action}|${target}`, d);
    this.list.push(d);
  }

  confirm(action: string, target: string, at: Stamp, r: { result: string; ok: boolean; details?: string[] }): void {
    const key = `${action}|${target}`;
    const d = this.open.get(key) ?? this.added(action, target, at);
    this.open.delete(key);
    Object.assign(d, { confirmed: at, result: r.result, ok: r.ok });
    if (r.details) d.details.push(...r.details);
  }

  /** A detail on an action still open (a pod the drain is blocked on). */
  detail(action: string, target: string, text: string): void {
    this.open.get(`${action}|${target}`)?.details.push(text);
  }

  /** Closes an open action that a later entry made moot (a cordon skipped because someone else holds the node). */
  settle(action: string, target: string, at: Stamp, result: string): void {
    if (this.open.has(`${action}|${target}`)) this.confirm(action, target, at, { result, ok: false });
  }

  point(action: string, target: string, at: Stamp, r: { result: string; ok: boolean; actor?: string; details?: string[] }): void {
    this.list.push({ action, actor: r.actor ?? this.actor, target, requested: at, confirmed: at, result: r.result, ok: r.ok, details: r.details ?? [] });
  }

  private added(action: string, target: string, at: Stamp): Draft {
    const d: Draft = { action, actor: this.actor, target, requested: at, result: '', ok: true, details: [] };
    this.list.push(d);
    return d;
  }
}

export function buildActions(entries: readonly JournalEntry[]): ActionRecord[] {
  const log = new ActionLog();
  for (const entry of entries) {
    const e = entry.event;
    const at = stampOf(entry);
    if ('node' in e && 'cluster' in e) nodeAction(log, e, at);
    else if (/^(traffic|region|silence)\./.test(e.type)) regionAction(log, e, at);
    else runAction(log, e, at);
  }
  return log.list.map((d) => ({
    action: d.action, actor: d.actor, target: d.target, requested: d.requested,
    ...(d.confirmed ? { confirmed: d.confirmed } : {}), result: d.result, ok: d.ok,
    ...(d.details.length > 0 ? { details: d.details } : {}),
  }));
}

function nodeAction(log: ActionLog, e: Extract<RunEvent, { node: string }>, at: Stamp): void {
  const t = `${e.cluster}/${e.node}`;
  switch (e.type) {
    case 'node.cordon.requested':
      return log.request('cordon', t, at);
    case 'node.cordoned':
      return log.confirm('cordon', t, at, { ok: true, result: e.changed ? `cordoned${e.previousOwner ? `; it was held by ${e.previousOwner}` : ''}` : 'already cordoned by this run' });
    case 'node.drain.started':
      return log.request('drain', t, at, podDecisions(e.pods));
    case 'node.pod.blocked':
      return log.detail('drain', t, `blocked: ${e.pod}: ${e.answer.kind}: ${e.diagnostic}`);
    case 'node.drained':
      return log.confirm('drain', t, at, { ok: true, result: `drained: ${e.evicted} pod(s) evicted in ${Math.round(e.ms)} ms` });
    case 'node.drain.timeout':
      return log.confirm('drain', t, at, { ok: false, result: `timed out; policy ${e.policy}`, details: e.blockers.map((b) => `blocker: ${b}`) });
    case 'node.pods.deleted':
      return log.point('delete pods', t, at, {
        ok: false,
        result: `${e.pods.length} pod(s) deleted outside the Eviction API (policy force)${e.budgets?.length ? `; ${e.budgets.length} budget(s) below their minimum` : ''}`,
        details: [...e.pods.map((p) => `deleted: ${p}`), ...(e.budgets ?? []).map((b) => `budget below its minimum: PDB ${b.pdb} needs ${b.desiredHealthy} healthy, had ${b.healthyBefore}, ${b.deleted} deleted`)],
      });
    case 'node.held':
      return log.point('left cordoned', t, at, { ok: false, result: e.reason });
    case 'node.recovered':
      return log.point('recovered', t, at, { ok: false, result: `uncordoned by ${e.by} while the run was stopped` });
    case 'node.action.requested':
      return log.request('node action', t, at, [`${e.operation}${e.version ? ` to ${e.version}` : ''}, id ${e.id}, bootID before ${e.bootIdBefore}, kubelet before ${e.kubeletBefore}`]);
    case 'node.action.confirmed':
      return log.confirm('node action', t, at, { ok: true, result: `confirmed in ${Math.round(e.ms)} ms: bootID ${e.bootId}, kubelet ${e.kubeletVersion}` });
    case 'node.action.failed':
      return log.confirm('node action', t, at, { ok: false, result: `failed: ${e.message}` });
    case 'node.ready.timeout':
      return log.point('wait for Ready', t, at, { ok: false, result: `not Ready in time; policy ${e.policy}: ${e.message}` });
    case 'node.uncordon.requested':
      return log.request('uncordon', t, at);
    case 'node.uncordoned':
      return log.confirm('uncordon', t, at, { ok: true, result: e.changed ? 'uncordoned' : 'already schedulable' });
    case 'node.done':
      log.settle('cordon', t, at, `not cordoned: ${e.outcome}${e.message ? `: ${e.message}` : ''}`);
      return log.point('node done', t, at, { ok: e.outcome === 'maintained', result: `${e.outcome}${e.message ? `: ${e.message}` : ''}` });
    default:
      return undefined;
  }
}

function podDecisions(pods: readonly PodDecision[]): string[] {
  const shown = pods.slice(0, PODS_LISTED).map((p) => `${p.decision}: ${p.pod} (${p.reason})`);
  return pods.length > PODS_LISTED ? [...shown, `and ${pods.length - PODS_LISTED} more pod(s)`] : shown;
}

function regionAction(log: ActionLog, e: RunEvent, at: Stamp): void {
  if (!('cluster' in e) || e.cluster === undefined) return;
  const t = e.cluster;
  switch (e.type) {
    case 'traffic.drain.requested':
      return log.request('traffic drain', t, at, [`before: weight ${e.before.weight} of ${e.before.initialWeight}, ${e.before.state}`]);
    case 'traffic.drained':
      return log.confirm('traffic drain', t, at, { ok: true, result: `out of traffic: new traffic stopped in ${Math.round(e.result.newTrafficStoppedMs)} ms, sessions gone in ${Math.round(e.result.sessionsGoneMs)} ms, ${e.result.sessionsShut} shut` });
    case 'traffic.step.requested':
      return log.request('traffic share', t, at, [`step ${e.step + 1}: ${e.percent}% of the initial weight`]);
    case 'traffic.step.set':
      return log.confirm('traffic share', t, at, { ok: true, result: `${e.percent}% set on the data plane${e.weight !== undefined ? `, weight ${e.weight}` : ''}` });
    case 'traffic.cut.requested':
      return log.request('switch-back', t, at, [e.reason]);
    case 'traffic.cut':
      return log.confirm('switch-back', t, at, { ok: true, result: `weight ${e.weight} in ${Math.round(e.ms)} ms` });
    case 'traffic.restored':
      return log.point('traffic restored', t, at, { ok: true, result: `back in service at weight ${e.weight}` });
    case 'traffic.put-back':
      return log.point('traffic put back', t, at, { ok: true, actor: e.by, result: `weight ${e.weight}, as before the run` });
    case 'silence.requested':
      return log.request('silence', `${t} at ${e.alertmanager}`, at, [`marker: ${e.marker}`]);
    case 'silence.created':
      return log.confirm('silence', `${t} at ${e.alertmanager}`, at, { ok: true, result: `created: id ${e.id}` });
    case 'silence.expired':
      return log.point('silence expired', `${t} at ${e.alertmanager}`, at, { ok: true, result: `expired: id ${e.id}` });
    default:
      return undefined;
  }
}

function runAction(log: ActionLog, e: RunEvent, at: Stamp): void {
  switch (e.type) {
    case 'run.started':
      log.actor = `daylight (lease holder ${e.holder})`;
      return log.point('run started', e.clusters.join(', '), at, { ok: true, result: `plan ${e.plan.name} (${e.plan.path}, sha256 ${e.plan.sha256})` });
    case 'run.resumed':
      log.actor = `daylight (lease holder ${e.holder})`;
      return log.point('run resumed', 'run', at, { ok: true, result: 'resumed from the journal' });
    case 'lease.acquired':
      return log.point('lease', e.cluster, at, { ok: true, result: `acquired by ${e.holder}` });
    case 'lease.released':
      return log.point('lease', e.cluster, at, { ok: true, result: 'released' });
    case 'lease.lost':
      return log.point('lease', e.cluster, at, { ok: false, result: `lost${e.heldBy ? `; now held by ${e.heldBy}` : ''}` });
    case 'hook.ran':
      return log.point(`hook ${e.result.on}`, `${e.result.type} ${e.result.target}`, at, { ok: e.result.ok, result: hookResult(e.result), ...(e.result.output ? { details: [tail(e.result.output)] } : {}) });
    case 'control.received':
      return log.point(`control: ${e.command}`, 'run', at, { ok: true, actor: `a person with daylight ${e.command} (user not recorded)`, result: 'received by the running process' });
    case 'approval.requested':
      return log.point('approval requested', e.step, at, { ok: true, result: `waiting${e.name ? ` for ${e.name}` : ''}${e.deadline !== undefined ? `; ${e.onTimeout === 'approve' ? 'approved' : 'rejected'} at ${new Date(e.deadline).toISOString()} without an answer` : ''}`, ...(e.message ? { details: [e.message] } : {}) });
    case 'approval.granted':
    case 'approval.rejected':
      return log.point(e.type === 'approval.granted' ? 'approval granted' : 'approval rejected', e.step, at, { ok: e.type === 'approval.granted', actor: `${e.by} (${e.via})`, result: `${e.type === 'approval.granted' ? 'approved' : 'rejected'} at ${e.answeredAt}${e.comment ? `: ${e.comment}` : ''}` });
    case 'run.paused':
      return log.point('run paused', 'run', at, { ok: true, result: e.reason });
    case 'run.aborted':
      return log.point('run aborted', 'run', at, { ok: false, result: e.reason });
    default:
      return undefined;
  }
}

function hookResult(r: Extract<RunEvent, { type: 'hook.ran' }>['result']): string {
  const how = r.exitCode !== undefined ? `exit code ${r.exitCode ?? 'none (signal)'}` : r.status !== undefined ? `HTTP ${r.status}` : 'no answer';
  return `${r.ok ? 'ok' : `failed (onFailure ${r.onFailure})`}: ${how}${r.timedOut ? ', timed out' : ''}, ${Math.round(r.durationMs)} ms: ${r.message}`;
}

function tail(text: string): string {
  return text.length > HOOK_OUTPUT_CHARS ? `…${text.slice(-HOOK_OUTPUT_CHARS)}` : text;
}
