// `daylight approve|reject RUN --in-cluster`: answers the approval gate a MaintenanceRun waits at, for the
// controller to take. The answer is judged against the run's journal in the API server first (judgeAnswer,
// as for a run of daylight run), then written as the run's approval annotations in the name of the
// Kubernetes user who writes them (the API server's own answer to "who am I"): the chart's admission policy
// accepts an answer in no other name.
import { judgeAnswer } from '../engine/approvals.ts';
import type { ApprovalDecision } from '../engine/approvals.ts';
import type { JournalEntry } from '../engine/events.ts';
import { replay } from '../engine/state.ts';
import { journalTextOf, readChunks } from '../journal/kube-journal.ts';
import { connectApi } from '../kube/client.ts';
import { kubeConfigMaps } from '../kube/namespaced-objects.ts';
import { UserError } from '../lib/errors.ts';
import { approvalPatch, DAYLIGHT_GROUP } from './maintenance-run.ts';

export interface InClusterAnswer {
  readonly runId: string;
  readonly decision: ApprovalDecision;
  readonly step?: string;
  readonly comment?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
}

export interface InClusterAnswered {
  readonly step: string;
  readonly by: string;
  readonly namespace: string;
}

export async function answerInCluster(a: InClusterAnswer): Promise<InClusterAnswered> {
  const api = connectApi({ ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}), ...(a.context ? { context: a.context } : {}), env: process.env });
  try {
    const path = `${DAYLIGHT_GROUP}/namespaces/${a.namespace}/maintenanceruns/${encodeURIComponent(a.runId)}`;
    const run = await api.raw('GET', path, undefined);
    if (run.status === 404) throw new UserError(`MaintenanceRun ${a.namespace}/${a.runId} does not exist (kubectl get maintenanceruns -n ${a.namespace} lists them)`);
    if (run.status !== 200) throw new UserError(`MaintenanceRun ${a.namespace}/${a.runId} could not be read: ${run.status} ${run.body.slice(0, 300)}`);
    // Who the API server says this user is: the name the answer is written in
    const review = await api.raw('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    const by = review.status < 300 ? (JSON.parse(review.body) as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username : undefined;
    if (!by) throw new UserError(`the API server did not say who you are (SelfSubjectReview answered ${review.status}); an answer is written in your Kubernetes user's name`);
    const text = journalTextOf(await readChunks(kubeConfigMaps(api), a.namespace, a.runId));
    const entries = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as JournalEntry);
    const judged = judgeAnswer(replay(a.runId, entries), { ...(a.step ? { step: a.step } : {}), decision: a.decision, by, via: 'annotation', ...(a.comment ? { comment: a.comment } : {}), at: new Date().toISOString() });
    if ('problem' in judged) throw new UserError(judged.problem);
    const patched = await api.raw('PATCH', path, approvalPatch({ ...judged.answer, by }));
    if (patched.status >= 300) {
      const message = (JSON.parse(patched.body) as { message?: string }).message ?? patched.body;
      throw new UserError(`MaintenanceRun ${a.namespace}/${a.runId}: the API server refused the answer: ${message}`);
    }
    return { step: judged.answer.step, by, namespace: a.namespace };
  } finally {
    await api.close();
  }
}
