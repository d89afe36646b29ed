// What a MaintenanceRun gives the engine besides its plan: the member clusters' kubeconfigs from Secrets, the
// answers to its approval gates from its annotations, and pause, resume and abort from its spec.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeAnswer } from '../engine/approvals.ts';
import type { ApprovalInbox } from '../engine/approvals.ts';
import type { ControlCommand } from '../engine/run-dir.ts';
import { skipKey } from '../engine/ports/skips.ts';
import type { SkipInbox, SkipRequest, SkipTarget } from '../engine/ports/skips.ts';
import { waitingApprovals } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
import type { KubeApi } from '../kube/api.ts';
import { kubeSecrets } from '../kube/namespaced-objects.ts';
import { UserError } from '../lib/errors.ts';
import type { Plan } from '../plan/schema.ts';
import { APPROVAL_ANNOTATIONS, DASHBOARD_APPROVER } from './maintenance-run.ts';
import type { MaintenanceRun } from './maintenance-run.ts';

/** Where member Secrets are read: the controller's cluster and namespace, and its own kubeconfig for the rest. */
export interface MemberSource {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly kubeconfig?: string;
}

export interface Members {
  /** The plan with each cluster's kubeconfig a file: its Secret's, or the controller's own. */
  readonly plan: Plan;
  remove(): Promise<void>;
}

/**
 * The member clusters' kubeconfigs: a cluster with `kubeconfigSecret` is reached through the kubeconfig in that
 * Secret of the controller's namespace (written to a private file for the run, removed after it); the others
 * through the controller's own kubeconfig.
 */
export async function memberKubeconfigs(o: MemberSource, plan: Plan, signal: AbortSignal): Promise<Members> {
  if (!plan.spec.clusters.some((c) => c.kubeconfigSecret)) {
    return { plan: { ...plan, spec: { ...plan.spec, clusters: plan.spec.clusters.map((c) => ({ ...c, ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}) })) } }, remove: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'daylight-members-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const secrets = kubeSecrets(o.api);
    const clusters = [];
    for (const c of plan.spec.clusters) {
      if (!c.kubeconfigSecret) {
        clusters.push({ ...c, ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}) });
        continue;
      }
      const { name, key } = c.kubeconfigSecret;
      const secret = await secrets.read(o.namespace, name, signal);
      if (!secret) throw new UserError(`cluster ${c.name}: its kubeconfigSecret ${o.namespace}/${name} does not exist`);
      const data = secret.data?.[key];
      if (!data) throw new UserError(`cluster ${c.name}: Secret ${o.namespace}/${name} has no key "${key}" (it has ${Object.keys(secret.data ?? {}).join(', ') || 'none'})`);
      const file = join(dir, `${c.name}.kubeconfig`);
      await writeFile(file, Buffer.from(data, 'base64'), { mode: 0o600 });
      const { kubeconfigSecret: _secret, ...rest } = c;
      clusters.push({ ...rest, kubeconfig: file });
    }
    return { plan: { ...plan, spec: { ...plan.spec, clusters } }, remove };
  } catch (e: unknown) {
    await remove();
    throw e;
  }
}

/**
 * Answers from the run's annotations, as the last poll read them, judged against the run's state as the
 * engine last told it: the same judgement as daylight approve and the dashboard. An answer that cannot be
 * taken is logged once and left; each answer has an id of its content, so it is taken once across leaders.
 */
export function annotationInbox(latest: () => MaintenanceRun, state: () => RunState | undefined, log: (line: string) => void): ApprovalInbox {
  const told = new Set<string>();
  return {
    poll() {
      const a = latest().metadata.annotations ?? {};
      const decision = a[APPROVAL_ANNOTATIONS.decision];
      const s = state();
      if ((decision !== 'approve' && decision !== 'reject') || !s) return [];
      const by = a[APPROVAL_ANNOTATIONS.by] ?? '';
      const step = a[APPROVAL_ANNOTATIONS.step] ?? '';
      const comment = a[APPROVAL_ANNOTATIONS.comment];
      const id = `annotation/${createHash('sha256').update(JSON.stringify([decision, step, by, comment ?? ''])).digest('hex').slice(0, 16)}`;
      // An answer already taken stays on the run until the next: it is not news
      if (s.approvals[step] && s.approvals[step]?.status !== 'waiting') return [];
      // The step is named, never guessed: an answer left from the last gate must not answer the next
      const problem = step ? undefined : `name the step in ${APPROVAL_ANNOTATIONS.step} (the run waits for ${waitingApprovals(s).map((w) => w.step).join(', ') || 'none'})`;
      const judged = problem ? { problem } : judgeAnswer(s, { decision, step, by, via: by === DASHBOARD_APPROVER ? 'dashboard' : 'annotation', at: new Date().toISOString(), ...(comment ? { comment } : {}) });
      if ('problem' in judged) {
        if (!told.has(id)) log(`the answer in the annotations is not taken: ${judged.problem}`);
        told.add(id);
        return [];
      }
      return [{ id, ...judged.answer }];
    },
  };
}

/** The run's controls, from its spec as the last poll read it: pause, resume, abort. */
export function specControl(spec: () => MaintenanceRun['spec']): { poll(): ControlCommand[] } {
  let paused = false;
  let aborted = false;
  return {
    poll() {
      const s = spec();
      const out: ControlCommand[] = [];
      if (s.abort && !aborted) {
        aborted = true;
        out.push('abort');
      } else if (Boolean(s.paused) !== paused) {
        paused = Boolean(s.paused);
        out.push(paused ? 'pause' : 'resume');
      }
      return out;
    },
  };
}

/**
 * The run's skips, from its spec.skip as the last look read it: each stage, group (STAGE/GROUP) and cluster
 * listed, once. The spec does not say who wrote it: the journal records `spec.skip` of the MaintenanceRun, and
 * the API server's audit log who changed it.
 */
export function specSkips(spec: () => MaintenanceRun['spec']): SkipInbox {
  const given = new Set<string>();
  return {
    poll() {
      const s = spec().skip ?? {};
      const targets: SkipTarget[] = [...(s.stages ?? []).map((stage) => ({ stage })), ...(s.groups ?? []).map((group) => ({ group })), ...(s.clusters ?? []).map((cluster) => ({ cluster }))];
      const out: SkipRequest[] = [];
      for (const target of targets) {
        const key = skipKey(target);
        if (given.has(key)) continue;
        given.add(key);
        out.push({ id: `spec/${key}`, target, by: 'spec.skip of the MaintenanceRun', via: 'spec' });
      }
      return out;
    },
  };
}
