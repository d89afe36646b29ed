// Approval gates: the run stops at a point of the plan (before a phase, a region, a wave), journals the
// request and waits on the clock until a person's answer comes through the inbox port, or the timeout answers.
// `answerProblem` is the one judgement of an answer, used by every channel (CLI, dashboard, annotation).
import type { ApprovalAnswerRecord, RunEvent } from './events.ts';
import type { EngineDeps } from './ports.ts';
import { RunFailure } from './run-failure.ts';
import { isFinished, waitingApprovals } from './state.ts';
import type { ApprovalState, RunState } from './state.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { ApprovalGate } from '../plan/schema.ts';

import type { ApprovalAnswer, ApprovalDecision } from './ports/approvals.ts';
export type { ApprovalAnswer, ApprovalDecision, ApprovalInbox } from './ports/approvals.ts';

/** `phase/os-patch`: asked once before the phase. */
export function phaseStep(phase: string): string {
  return `phase/${phase}`;
}

/** `phase/os-patch/region/eu-west`: before the region leaves traffic for the phase. */
export function regionStep(phase: string, cluster: string): string {
  return `phase/${phase}/region/${cluster}`;
}

/** `phase/os-patch/wave/2` (waves counted from 1, as people read them); with several clusters the cluster is named: `phase/os-patch/region/eu-west/wave/2`. */
export function waveStep(phase: string, wave: number, cluster: string, clusters: number): string {
  return clusters > 1 ? `${regionStep(phase, cluster)}/wave/${wave + 1}` : `phase/${phase}/wave/${wave + 1}`;
}

/** Why this answer cannot be taken now, or undefined when the step waits for it. */
export function answerProblem(s: RunState, step: string): string | undefined {
  const a = s.approvals[step];
  if (!a) {
    const waiting = waitingApprovals(s).map((w) => w.step);
    return `run ${s.runId} does not wait for an approval of ${step}${waiting.length ? `; it waits for ${waiting.join(', ')}` : '; it waits for none now'}`;
  }
  if (a.status !== 'waiting') return `${step} was already ${a.status === 'granted' ? 'approved' : 'rejected'} by ${a.by ?? 'someone'} at ${a.answeredAt ?? '?'}; an answer counts once`;
  return undefined;
}

/** The step an answer without --step means: the one waiting step, or why there is none to pick. */
export function chooseStep(s: RunState, step: string | undefined): { step: string } | { problem: string } {
  if (step !== undefined) {
    const problem = answerProblem(s, step);
    return problem ? { problem } : { step };
  }
  const waiting = waitingApprovals(s);
  if (waiting.length === 1) return { step: (waiting[0] as ApprovalState).step };
  if (waiting.length === 0) return { problem: `run ${s.runId} waits for no approval now (status ${s.status})` };
  return { problem: `run ${s.runId} waits for ${waiting.length} approvals: ${waiting.map((w) => w.step).join(', ')}; name one with --step` };
}

/** An answer as a person gives it, before it is judged: without a step it means the one waiting step. */
export interface AnswerRequest {
  readonly step?: string;
  readonly decision: ApprovalDecision;
  readonly by: string;
  readonly via: string;
  readonly comment?: string;
  /** ISO 8601 wall clock. */
  readonly at: string;
}

/**
 * The judgement every channel makes before it hands an answer to the run (the CLI, the dashboard, an
 * annotation): the run is not over, the step waits, a rejection says why. The run judges again when it takes it.
 */
export function judgeAnswer(s: RunState, r: AnswerRequest): { answer: Omit<ApprovalAnswer, 'id'> } | { problem: string } {
  if (isFinished(s.status)) return { problem: `run ${s.runId} is over (${s.status}); there is nothing to ${r.decision}` };
  if (r.decision === 'reject' && !r.comment?.trim()) return { problem: 'a rejection needs a reason for the journal and the report; pass --comment TEXT' };
  if (!r.by.trim()) return { problem: 'the answer names nobody; pass --as NAME' };
  const chosen = chooseStep(s, r.step);
  if ('problem' in chosen) return chosen;
  return { answer: { step: chosen.step, decision: r.decision, by: r.by, via: r.via, at: r.at, ...(r.comment?.trim() ? { comment: r.comment.trim() } : {}) } };
}

/** A person reading "waiting for approval": what is asked, until when, and how to answer. */
export function describeWaiting(runId: string, a: ApprovalState): string {
  const what = `${a.name ? `${a.name}: ` : ''}${a.message ?? 'approval needed to go on'}`;
  const until = a.deadline !== undefined ? `; ${a.onTimeout === 'approve' ? 'approved' : 'rejected'} by itself at ${new Date(a.deadline).toISOString()}` : '';
  return `waiting for approval of ${a.step} (${what}${until}); answer with daylight approve ${runId} --step ${a.step} [--comment TEXT], or daylight reject ${runId} --step ${a.step} --comment TEXT`;
}

export interface ApprovalPoint {
  readonly step: string;
  readonly phase: string;
  readonly cluster?: string;
  readonly wave?: number;
  readonly gate: ApprovalGate;
}

export interface ApprovalWait {
  readonly deps: EngineDeps;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly state: () => RunState;
  readonly signal: AbortSignal;
}

/** How often the inbox is read while waiting: 1 s of cluster time, never less than 200 ms of real time. */
const POLL_MS = 1000;

/**
 * Asks once (journaled, so a resumed run waits for the same request and deadline) and waits for the answer.
 * Granted: returns. Rejected, by a person or by the timeout: a RunFailure that names who and why.
 */
export async function awaitApproval(w: ApprovalWait, point: ApprovalPoint): Promise<void> {
  const { step } = point;
  if (!w.state().approvals[step]) {
    const g = point.gate;
    const deadline = g.timeout !== undefined ? w.deps.clock.now() + g.timeout.ms : undefined;
    await w.record({ type: 'approval.requested', step, phase: point.phase, ...(point.cluster ? { cluster: point.cluster } : {}), ...(point.wave !== undefined ? { wave: point.wave } : {}), ...(g.name ? { name: g.name } : {}), ...(g.message ? { message: g.message } : {}), ...(deadline !== undefined ? { deadline } : {}), onTimeout: g.onTimeout });
  }
  for (;;) {
    const asked = w.state().approvals[step] as ApprovalState;
    if (asked.status === 'granted') return;
    if (asked.status === 'rejected') throw new RunFailure(rejectedText(asked));
    if (!w.deps.approvals && asked.deadline === undefined) throw new RunFailure(`approval of ${step} cannot be answered: nothing in this process takes answers; fail closed`);
    await takeAnswers(w, step);
    if (w.state().approvals[step]?.status !== 'waiting') continue;
    const now = w.deps.clock.now();
    if (asked.deadline !== undefined && now >= asked.deadline) {
      await w.record(timeoutAnswer(asked, w.deps.clock.now()));
      continue;
    }
    const poll = atLeastReal(w.deps.clock, POLL_MS, 200);
    await w.deps.clock.sleep(asked.deadline !== undefined ? Math.min(poll, asked.deadline - now) : poll, w.signal);
  }
}

/** Journals the inbox's new answers: the waiting step's first one counts, any other is named in a warning and ignored. */
async function takeAnswers(w: ApprovalWait, step: string): Promise<void> {
  for (const a of w.deps.approvals?.poll() ?? []) {
    const s = w.state();
    if (Object.values(s.approvals).some((x) => x.answer === a.id)) continue;
    const problem = a.step === step ? answerProblem(s, step) : (answerProblem(s, a.step) ?? `${a.step} is not the step the run waits at (${step})`);
    if (problem !== undefined) {
      await w.record({ type: 'warning', message: `${a.decision === 'approve' ? 'approval' : 'rejection'} by ${a.by} ignored: ${problem}` });
      continue;
    }
    const record: ApprovalAnswerRecord = { step, by: a.by, via: a.via, answeredAt: a.at, ...(a.comment !== undefined ? { comment: a.comment } : {}), answer: a.id };
    await w.record({ type: a.decision === 'approve' ? 'approval.granted' : 'approval.rejected', ...record });
  }
}

function timeoutAnswer(a: ApprovalState, now: number): RunEvent {
  const after = a.deadline !== undefined ? Math.round((a.deadline - a.requestedAt) / 1000) : 0;
  const record: ApprovalAnswerRecord = { step: a.step, by: 'daylight (timeout)', via: 'timeout', answeredAt: new Date(now).toISOString(), comment: `no answer within ${after} s; onTimeout: ${a.onTimeout}` };
  return { type: a.onTimeout === 'approve' ? 'approval.granted' : 'approval.rejected', ...record };
}

function rejectedText(a: ApprovalState): string {
  return `approval of ${a.step} rejected by ${a.by ?? 'someone'}${a.comment ? `: ${a.comment}` : ''}`;
}
