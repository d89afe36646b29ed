// The node agent's loop: read its own Node, ask decide.ts what to do, write the answer, then act through the
// host port. The `running` answer (with the boot id) is written before the host is asked anything, so a
// restart anywhere finishes the action instead of repeating it. Between actions it checks on a period
// whether the host needs a reboot and publishes it on the Node.
import type { Clock } from '../lib/clock.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';
import { decide, parseAction, parseStatus } from './decide.ts';
import type { AgentMetrics } from './metrics.ts';
import type { AgentAction, AgentStatus } from './decide.ts';
import type { CommandResult, HostPort } from './host.ts';

/** What the agent reads of its own Node and may write on it (its ServiceAccount may do no more). */
export interface OwnNodePort {
  read(signal?: AbortSignal): Promise<{ readonly action?: string; readonly status?: string; readonly bootId: string; readonly kubeletVersion: string }>;
  writeStatus(status: AgentStatus, signal?: AbortSignal): Promise<void>;
  /** The `daylight.dev/reboot-required` label and condition. */
  publishRebootRequired(required: boolean, signal?: AbortSignal): Promise<void>;
  /** Resolves when the Node changed, or after `ms`, whichever is first. */
  changed(ms: number, signal?: AbortSignal): Promise<void>;
  /** A Kubernetes Event on the Node, reported by the agent (`kubectl describe node` shows it). */
  event(e: { readonly reason: string; readonly message: string; readonly type: 'Normal' | 'Warning' }, signal?: AbortSignal): Promise<void>;
}

export interface AgentOptions {
  readonly node: OwnNodePort;
  readonly host: HostPort;
  readonly clock: Clock;
  /** After asking for a reboot (or finishing an upgrade), how long the node has to show it. */
  readonly confirmGraceMs: number;
  /** How often the reboot-required sentinel is checked. */
  readonly sentinelPeriodMs: number;
  /** After a patch: reboot when the host says it needs one, or always. */
  readonly rebootAfterPatch: 'needed' | 'always';
  readonly log?: (line: string) => void;
  /** Told of reboot-required, each action's start and each answer. */
  readonly metrics?: AgentMetrics;
}

/** An Event on the Node; one that cannot be recorded is logged, never a reason to stop an action. */
async function tell(o: AgentOptions, e: Parameters<OwnNodePort['event']>[0], signal: AbortSignal): Promise<void> {
  try {
    await o.node.event(e, signal);
  } catch (err: unknown) {
    if (isAbortError(err) || signal.aborted) throw err;
    o.log?.(`node agent: could not record the event ${e.reason}: ${errorMessage(err)}`);
  }
}

/** The Event for an answer: done is Normal, failed a Warning. */
const answered = (s: AgentStatus) => ({ reason: s.phase === 'done' ? 'DaylightActionDone' : 'DaylightActionFailed', message: `${s.id || 'daylight.dev/action'}: ${s.message}`, type: s.phase === 'done' ? 'Normal' : 'Warning' }) as const;

export async function runAgent(o: AgentOptions, signal: AbortSignal): Promise<void> {
  const log = o.log ?? (() => {});
  let nextSentinel = 0;
  let published: boolean | undefined;
  /** Reboots this life of the agent asked for: asked again at most once after a restart (see decide.ts). */
  const asked = new Set<string>();
  while (!signal.aborted) {
    try {
      if (o.clock.now() >= nextSentinel) {
        const required = await o.host.rebootRequired();
        if (required !== published) await o.node.publishRebootRequired(required, signal);
        o.metrics?.rebootRequired(required);
        published = required;
        nextSentinel = o.clock.now() + o.sentinelPeriodMs;
      }
      const facts = await o.node.read(signal);
      const step = decide({ action: facts.action, status: facts.status, bootId: facts.bootId, kubeletVersion: facts.kubeletVersion, nowMs: o.clock.now() }, { rebootGraceMs: o.confirmGraceMs });
      if (step.kind === 'answer') {
        // An action this agent (or its last life, before a reboot) started: its start is the recorded one
        const prior = parseStatus(facts.status);
        const action = facts.action === undefined ? undefined : parseAction(facts.action);
        if (prior?.phase === 'running' && prior.id === step.status.id && prior.startedAt && action && 'operation' in action) o.metrics?.actionStarted(prior.id, action.operation, Date.parse(prior.startedAt));
        await o.node.writeStatus(step.status, signal);
        o.metrics?.answered(step.status, o.clock.now());
        log(`action ${step.status.id || '(none)'}: ${step.status.phase}: ${step.status.message}`);
        await tell(o, answered(step.status), signal);
      } else if (step.kind === 'start') {
        await o.node.writeStatus(step.status, signal);
        o.metrics?.actionStarted(step.action.id, step.action.operation, o.clock.now());
        log(`action ${step.action.id}: ${step.status.message}`);
        await tell(o, { reason: 'DaylightActionStarted', message: `${step.action.id}: ${step.action.operation}${step.action.version ? ` to ${step.action.version}` : ''} on boot ${facts.bootId}`, type: 'Normal' }, signal);
        const reboot = async (why: string) => {
          asked.add(step.action.id);
          await tell(o, { reason: 'DaylightRebooting', message: `${step.action.id}: ${why}`, type: 'Normal' }, signal);
          await o.host.reboot();
        };
        await carryOut(o, step.action, step.status, reboot, signal);
      } else if (step.kind === 'wait' && !asked.has(step.id)) {
        asked.add(step.id);
        log(`action ${step.id}: still on boot ${facts.bootId} after a restart; asking the host to reboot again (the same reboot, not a second one)`);
        await tell(o, { reason: 'DaylightRebooting', message: `${step.id}: the agent restarted on boot ${facts.bootId} before the reboot; asking the host again (the same reboot)`, type: 'Normal' }, signal);
        await o.host.reboot();
      } else {
        const until = step.kind === 'wait' ? step.untilMs : nextSentinel;
        await o.node.changed(Math.max(0, until - o.clock.now()), signal);
      }
    } catch (e: unknown) {
      if (isAbortError(e) || signal.aborted) return;
      log(`node agent: ${errorMessage(e)}; trying again`);
      await o.clock.sleep(1_000, signal).catch(() => undefined);
    }
  }
}

async function carryOut(o: AgentOptions, action: AgentAction, running: AgentStatus, reboot: (why: string) => Promise<void>, signal: AbortSignal): Promise<void> {
  const answer = async (phase: 'done' | 'failed', message: string) => {
    const status: AgentStatus = { id: action.id, phase, message };
    await o.node.writeStatus(status, signal);
    o.metrics?.answered(status, o.clock.now());
    o.log?.(`action ${action.id}: ${phase}: ${message}`);
    await tell(o, answered(status), signal);
  };
  const failedCommand = (what: string, r: CommandResult) => answer('failed', `${what} exited with ${r.code ?? 'a signal'}: ${r.outputTail}`);
  try {
    if (action.operation === 'reboot') {
      await reboot('asking the host to reboot');
      return; // the reboot ends this process; decide() confirms it by the boot id, or fails it after the grace
    }
    if (action.operation === 'patch') {
      const r = await o.host.patch();
      if (r.code !== 0) return void (await failedCommand('the patch command', r));
      const always = (action.rebootAfter ?? o.rebootAfterPatch) === 'always';
      if (always || (await o.host.rebootRequired())) {
        // Recorded before the host is asked, so a restart from here on waits for the new boot id
        await o.node.writeStatus({ ...running, message: 'patched; rebooting', rebooting: true, startedAt: new Date(o.clock.now()).toISOString() }, signal);
        await reboot(always ? 'patched; the plan reboots after every patch: asking the host to reboot' : 'patched; the host needs a reboot: asking it to reboot');
        return;
      }
      return void (await answer('done', 'patched; no reboot needed'));
    }
    const version = action.version ?? '';
    const r = await o.host.upgrade(version);
    if (r.code !== 0) return void (await failedCommand('the upgrade', r));
    // Confirmed by what the kubelet reports, not by the commands' exit codes
    const deadline = o.clock.now() + o.confirmGraceMs;
    for (;;) {
      const { kubeletVersion } = await o.node.read(signal);
      if (kubeletVersion === version) return void (await answer('done', `kubelet at ${version}`));
      if (o.clock.now() >= deadline) return void (await answer('failed', `the upgrade commands ended, but the kubelet reports ${kubeletVersion || 'no version'}, not ${version}, ${Math.round(o.confirmGraceMs / 1000)} s later`));
      await o.node.changed(Math.max(0, deadline - o.clock.now()), signal);
    }
  } catch (e: unknown) {
    if (isAbortError(e) || signal.aborted) throw e;
    await answer('failed', errorMessage(e));
  }
}
