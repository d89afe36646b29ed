// The approvals of a run as the journal holds them: each gate asked for, and who answered it, when, how
// (CLI, dashboard, annotation, the timeout) and with what comment: the evidence of authorisation.
import type { JournalEntry } from '../engine/events.ts';
import { stampOf } from './stamp.ts';
import type { ApprovalRecord } from './types.ts';

export function buildApprovals(entries: readonly JournalEntry[]): ApprovalRecord[] {
  const out = new Map<string, ApprovalRecord>();
  for (const entry of entries) {
    const e = entry.event;
    if (e.type === 'approval.requested' && !out.has(e.step)) {
      out.set(e.step, { step: e.step, phase: e.phase, ...(e.cluster ? { cluster: e.cluster } : {}), ...(e.name ? { name: e.name } : {}), ...(e.message ? { message: e.message } : {}), requested: stampOf(entry), status: 'waiting' });
    } else if (e.type === 'approval.granted' || e.type === 'approval.rejected') {
      const asked = out.get(e.step);
      // the first answer counts, as it did for the run (state.ts)
      if (!asked || asked.status !== 'waiting') continue;
      out.set(e.step, { ...asked, status: e.type === 'approval.granted' ? 'approved' : 'rejected', by: e.by, via: e.via, answeredAt: e.answeredAt, ...(e.comment !== undefined ? { comment: e.comment } : {}), taken: stampOf(entry) });
    }
  }
  return [...out.values()];
}

/** "phase/os-patch approved by alice (cli) at 2026-12-07T09:00:00Z: CAB-1234". */
export function approvalText(a: ApprovalRecord): string {
  if (a.status === 'waiting') return `${a.step} asked at ${a.requested.wall}, not answered`;
  return `${a.step} ${a.status} by ${a.by ?? '?'} (${a.via ?? '?'}) at ${a.answeredAt ?? '?'}${a.comment ? `: ${a.comment}` : ''}`;
}
