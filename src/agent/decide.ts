// What the node agent does next (DESIGN.md section 6), decided from what its own Node shows: the action
// Daylight asked for (`daylight.dev/action`), the agent's answer so far (`daylight.dev/action-status`), and
// the node's boot id and kubelet version. The agent writes `running` with the action id and the boot id
// *before* it acts, so after any restart of its own, or the node's reboot, it finishes the action by
// comparing what it recorded with what the node reports, and never acts on the same id twice. A pure
// function: the agent's loop reads the node, asks this, writes the status it returns, then acts.
import { isExactVersion } from '../lib/kube-version.ts';

export type AgentOperation = 'reboot' | 'patch' | 'upgrade';

export interface AgentAction {
  readonly id: string;
  readonly operation: AgentOperation;
  /** For `upgrade`: the kubelet version to reach, like v1.31.2. */
  readonly version?: string;
  /** For `patch`: reboot after it when the host needs it, or always (the plan's `rebootAfter`); the agent's own setting when absent. */
  readonly rebootAfter?: 'needed' | 'always';
}

export interface AgentStatus {
  /** The action this answers; empty for an annotation that is not an action. */
  readonly id: string;
  readonly phase: 'running' | 'done' | 'failed';
  readonly message: string;
  /** Recorded with `running` before the agent acts: the boot the action started on, and when. */
  readonly bootId?: string;
  readonly startedAt?: string;
  /** Recorded before the agent asks the host to reboot (at once for `reboot`, after the command for `patch`). */
  readonly rebooting?: boolean;
}

/** What the agent reads of its own Node. */
export interface NodeFacts {
  /** The raw `daylight.dev/action` annotation. */
  readonly action: string | undefined;
  /** The raw `daylight.dev/action-status` annotation. */
  readonly status: string | undefined;
  readonly bootId: string;
  readonly kubeletVersion: string;
  readonly nowMs: number;
}

export interface DecideOptions {
  /** How long after it asked the host to reboot the agent waits for a new boot id before it answers failed. */
  readonly rebootGraceMs: number;
}

export type Step =
  /** Nothing to do: no action, or this one is answered. */
  | { readonly kind: 'idle' }
  /** Write `status` and stop there. */
  | { readonly kind: 'answer'; readonly status: AgentStatus }
  /** Write `status` (running, with the boot id), and only once it is written, carry out `action`. */
  | { readonly kind: 'start'; readonly action: AgentAction; readonly status: AgentStatus }
  /**
   * The reboot of action `id` was asked for on this boot and has not happened yet: ask the host again (once
   * per life of the agent), then look again at `untilMs`. Until the boot id changes, asking again is the
   * same reboot, not a second one (a host already going down ignores it), and an agent killed between
   * recording `rebooting` and asking would otherwise wait out its grace for a reboot nobody asked for.
   */
  | { readonly kind: 'wait'; readonly id: string; readonly untilMs: number };

const OPERATIONS: readonly string[] = ['reboot', 'patch', 'upgrade'];

/** The action annotation read strictly: a problem is answered as `failed`, never guessed at. */
export function parseAction(raw: string): AgentAction | { readonly error: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: 'daylight.dev/action is not JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'daylight.dev/action is not a JSON object' };
  const a = value as Record<string, unknown>;
  if (typeof a.id !== 'string' || a.id === '') return { error: 'daylight.dev/action has no "id"' };
  if (typeof a.operation !== 'string' || !OPERATIONS.includes(a.operation)) return { error: `daylight.dev/action ${a.id}: unknown operation ${JSON.stringify(a.operation)}; use reboot, patch or upgrade` };
  if (a.operation === 'upgrade' && (typeof a.version !== 'string' || !isExactVersion(a.version))) {
    return { error: `daylight.dev/action ${a.id}: upgrade needs "version" like "v1.31.2", got ${JSON.stringify(a.version)}` };
  }
  if (a.rebootAfter !== undefined && a.rebootAfter !== 'needed' && a.rebootAfter !== 'always') {
    return { error: `daylight.dev/action ${a.id}: "rebootAfter" must be needed or always, got ${JSON.stringify(a.rebootAfter)}` };
  }
  return {
    id: a.id,
    operation: a.operation as AgentOperation,
    ...(typeof a.version === 'string' ? { version: a.version } : {}),
    ...(a.rebootAfter !== undefined ? { rebootAfter: a.rebootAfter } : {}),
  };
}

/** The status annotation as the agent wrote it; anything else reads as no status. */
export function parseStatus(raw: string | undefined): AgentStatus | undefined {
  if (raw === undefined) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<AgentStatus> | null;
    if (!s || typeof s.id !== 'string' || (s.phase !== 'running' && s.phase !== 'done' && s.phase !== 'failed')) return undefined;
    return { ...s, id: s.id, phase: s.phase, message: typeof s.message === 'string' ? s.message : '' };
  } catch {
    return undefined;
  }
}

export function decide(facts: NodeFacts, o: DecideOptions): Step {
  if (facts.action === undefined) return { kind: 'idle' };
  const status = parseStatus(facts.status);
  const action = parseAction(facts.action);
  if ('error' in action) {
    const message = `${action.error}: ${facts.action}`;
    return status?.id === '' && status.phase === 'failed' && status.message === message ? { kind: 'idle' } : { kind: 'answer', status: { id: '', phase: 'failed', message } };
  }
  if (status?.id !== action.id) {
    const started = new Date(facts.nowMs).toISOString();
    return { kind: 'start', action, status: { id: action.id, phase: 'running', message: startMessage(action), bootId: facts.bootId, startedAt: started, ...(action.operation === 'reboot' ? { rebooting: true } : {}) } };
  }
  if (status.phase !== 'running') return { kind: 'idle' };
  return resume(action, status, facts, o);
}

function startMessage(a: AgentAction): string {
  if (a.operation === 'reboot') return 'rebooting';
  if (a.operation === 'patch') return 'installing patches';
  return `upgrading the kubelet to ${a.version}`;
}

/** The agent finds its own `running` answer: it (or the node) restarted since it recorded it. */
function resume(action: AgentAction, status: AgentStatus, facts: NodeFacts, o: DecideOptions): Step {
  const done = (message: string): Step => ({ kind: 'answer', status: { id: action.id, phase: 'done', message } });
  const failed = (message: string): Step => ({ kind: 'answer', status: { id: action.id, phase: 'failed', message } });
  const rebooted = status.bootId !== undefined && status.bootId !== facts.bootId;
  if (action.operation === 'upgrade') {
    // Confirmed by what the kubelet reports, whether or not the agent saw the command end.
    if (facts.kubeletVersion === action.version) return done(`kubelet at ${action.version}`);
    return failed(`the agent restarted during the upgrade and the kubelet reports ${facts.kubeletVersion || 'no version'}, not ${action.version}; not run again`);
  }
  if (status.rebooting) {
    if (rebooted) return done(`rebooted, boot id ${facts.bootId}`);
    const asked = Date.parse(status.startedAt ?? '');
    const until = (Number.isFinite(asked) ? asked : facts.nowMs) + o.rebootGraceMs;
    if (facts.nowMs < until) return { kind: 'wait', id: action.id, untilMs: until };
    return failed(`asked the host to reboot at ${status.startedAt ?? 'an unknown time'}, and the node is still on boot id ${facts.bootId} ${Math.round(o.rebootGraceMs / 1000)} s later`);
  }
  // A patch whose command had not ended when the agent (or the node) went away: its outcome is unknown.
  return failed(`the ${rebooted ? 'node restarted' : 'agent restarted'} while the patch command ran; not run again (see the host's package log)`);
}
