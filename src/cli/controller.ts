// `daylight controller`: Daylight in the cluster. Its replicas elect one leader through a Lease
// (controller/leader.ts); the leader drives every unfinished MaintenanceRun of its namespace with the same
// engine as `daylight run`, its journal kept in the API server (journal/kube-journal.ts), so a standby
// that takes over resumes each run from its journal where the last leader stopped; a deposed leader's
// appends are refused by the journal's resourceVersion preconditions. It starts runs when a
// MaintenancePlan's schedule says (a MaintenanceRun named after the plan and the start, so two leaders
// racing create it once), and writes each run's state to its status: phase, stage, node counts, conditions.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { nextScheduledStart } from '../controller/schedule.ts';
import { CLIENT_GO_TIMING, runLeaderElection } from '../controller/leader.ts';
import type { ElectionTiming } from '../controller/leader.ts';
import type { RunEvent } from '../engine/events.ts';
import type { JournalEntry } from '../engine/events.ts';
import { executeRun } from '../engine/runner.ts';
import { judgeAnswer } from '../engine/approvals.ts';
import type { ApprovalInbox } from '../engine/approvals.ts';
import type { ControlCommand } from '../engine/run-dir.ts';
import { waitingApprovals } from '../engine/state.ts';
import type { RunState } from '../engine/state.ts';
import { JournalFenced, KubeJournal } from '../journal/kube-journal.ts';
import { journalSignerInSecret } from '../journal/kube-journal-key.ts';
import { KubeApi } from '../kube/api.ts';
import { KubeCluster } from '../kube/adapter.ts';
import { loadKubeConfig } from '../kube/client.ts';
import { kubeConfigMaps, kubeSecrets } from '../kube/namespaced-objects.ts';
import type { Clock } from '../lib/clock.ts';
import { systemClock } from '../lib/clock.ts';
import { errorMessage, isAbortError, UserError } from '../lib/errors.ts';
import { parsePlan } from '../plan/load.ts';
import type { LoadedPlan } from '../plan/load.ts';
import type { Plan } from '../plan/schema.ts';
import { HELP_OPTION, parse, stringFlag } from './args.ts';
import { connectClusters } from './clusters.ts';
import type { Command } from './command.ts';
import { engineDeps } from './engine-wiring.ts';
import { clusterRuns, controllerMetrics } from './cluster-runs.ts';
import { tokenFrom } from './serve.ts';
import { isLoopback, newToken } from '../server/auth.ts';
import { startServer } from '../server/server.ts';
import type { RunningServer } from '../server/server.ts';
import { APPROVAL_ANNOTATIONS, DAYLIGHT_GROUP, FINISHED_PHASES } from './maintenance-run.ts';

export { APPROVAL_ANNOTATIONS } from './maintenance-run.ts';

const HELP = `Usage: daylight controller [--kubeconfig FILE] [--context CTX] [--namespace NS] [--identity ID] [--listen ADDR:PORT] [--token-file F]

Daylight in the cluster: runs every MaintenanceRun of the namespace with the same engine as daylight run,
starts runs when a MaintenancePlan's schedule says, and keeps each run's journal in the API server.
Several replicas elect one leader through the Lease daylight-controller (lease 15 s, renew deadline
10 s, retry 2 s, as client-go); a standby that takes over resumes each unfinished run from its journal.

  --kubeconfig FILE   the cluster holding the MaintenancePlans and MaintenanceRuns, and the plans' clusters
                      by their contexts (in a pod: the service account)
  --context CTX       the context of the cluster holding them (default: the kubeconfig's current one)
  --namespace NS      where the plans, runs, journals and the Lease are (default daylight-system)
  --identity ID       this replica's name in the Lease (default: the host name and a random suffix)
  --listen ADDR:PORT  serve the dashboard and read API of daylight serve over the namespace's MaintenanceRuns
                      (their journals read from the API server), and /metrics, on every replica, standbys
                      too (default: off; the chart listens on 0.0.0.0:8080). Read-only: pause, resume, abort
                      and approvals are answered 501 with the kubectl command that makes them
  --token-file F      the token every call needs beyond loopback, as daylight serve's --token-file (needed
                      with an address beyond loopback; in the chart, a Secret). When there is none and none
                      can be written there, the controller runs with its dashboard closed, and says why`;

const GROUP = DAYLIGHT_GROUP;
const LEASE = 'daylight-controller';
const POLL_MS = 2_000;

interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

interface MaintenanceRun {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly planRef: { readonly name: string }; readonly paused?: boolean; readonly abort?: boolean };
  readonly status?: { readonly phase?: string };
}

interface MaintenancePlan {
  readonly metadata: ObjectMeta;
  readonly spec: Record<string, unknown> & { readonly schedule?: { readonly recurrence?: string; readonly windows?: boolean; readonly manual?: boolean }; readonly suspend?: boolean; readonly window?: unknown };
}

const FINISHED = FINISHED_PHASES;

export interface ControllerOptions {
  /** The cluster holding the plans and runs. */
  readonly api: KubeApi;
  /** The kubeconfig the plans' clusters are reached through (by the contexts the plans name). */
  readonly kubeconfig?: string;
  readonly namespace: string;
  readonly identity: string;
  readonly clock: Clock;
  readonly timing?: ElectionTiming;
  readonly log: (line: string) => void;
  /** Told when this replica starts and stops leading (tests measure the takeover with it). */
  readonly onTransition?: (leading: boolean, atMs: number) => void;
}

export async function runController(o: ControllerOptions, signal: AbortSignal): Promise<void> {
  const leases = new KubeCluster({ name: 'controller', api: o.api, clock: o.clock }).leases;
  await runLeaderElection({ leases, name: LEASE, identity: o.identity, clock: o.clock, ...(o.timing ? { timing: o.timing } : {}), log: o.log, ...(o.onTransition ? { onTransition: o.onTransition } : {}) }, (leading) => lead(o, leading), signal);
}

/** The leader's work: every poll, start what the schedules say and drive every unfinished run. */
async function lead(o: ControllerOptions, leading: AbortSignal): Promise<void> {
  const driving = new Map<string, { readonly done: Promise<void>; run: MaintenanceRun }>();
  // A write refused because another controller wrote first: this one is deposed, whatever its Lease says
  const deposed = new AbortController();
  const signal = AbortSignal.any([leading, deposed.signal]);
  while (!signal.aborted) {
    try {
      await startScheduledRuns(o, signal);
      for (const run of await list<MaintenanceRun>(o, 'maintenanceruns', signal)) {
        const name = run.metadata.name;
        const current = driving.get(name);
        if (current) {
          current.run = run;
          continue;
        }
        if (FINISHED.has(run.status?.phase ?? '')) continue;
        const entry = { done: Promise.resolve(), run };
        driving.set(name, entry);
        entry.done = drive(o, run, () => entry.run, signal)
          .catch((e: unknown) => {
            if (e instanceof JournalFenced || e instanceof StatusFenced) {
              o.log(`run ${name}: ${errorMessage(e)}; stepping down`);
              deposed.abort(e);
            } else if (!isAbortError(e) && !signal.aborted) o.log(`run ${name}: ${errorMessage(e)}`);
          })
          .finally(() => driving.delete(name));
      }
    } catch (e: unknown) {
      if (isAbortError(e) || signal.aborted) break;
      o.log(`controller: ${errorMessage(e)}; trying again`);
    }
    await o.clock.sleep(POLL_MS, signal).catch(() => undefined);
  }
  await Promise.all([...driving.values()].map((d) => d.done));
  if (deposed.signal.aborted && !leading.aborted) throw deposed.signal.reason;
}

/** A MaintenanceRun for each plan whose scheduled start has come since its last run (or its creation). */
async function startScheduledRuns(o: ControllerOptions, signal: AbortSignal): Promise<void> {
  const runs = await list<MaintenanceRun>(o, 'maintenanceruns', signal);
  for (const plan of await list<MaintenancePlan>(o, 'maintenanceplans', signal)) {
    const schedule = plan.spec.schedule;
    if (plan.spec.suspend || !schedule || schedule.manual) continue;
    const mine = runs.filter((r) => r.metadata.labels?.['daylight.dev/plan'] === plan.metadata.name && r.metadata.labels['daylight.dev/scheduled'] === 'true');
    const since = Math.max(Date.parse(plan.metadata.creationTimestamp ?? '') || 0, ...mine.map((r) => Number(r.metadata.labels?.['daylight.dev/start']) || 0));
    const next = nextScheduledStart(schedule, plan.spec.window as Parameters<typeof nextScheduledStart>[1], since);
    if (next === undefined || next > o.clock.now()) continue;
    const name = `${plan.metadata.name}-${new Date(next).toISOString().slice(0, 16).replace(/[-:T]/g, '').toLowerCase()}`.slice(0, 63);
    const body = {
      apiVersion: 'daylight.dev/v1alpha1',
      kind: 'MaintenanceRun',
      metadata: { name, namespace: o.namespace, labels: { 'daylight.dev/plan': plan.metadata.name, 'daylight.dev/scheduled': 'true', 'daylight.dev/start': String(next) } },
      spec: { planRef: { name: plan.metadata.name } },
    };
    const r = await o.api.raw('POST', `${GROUP}/namespaces/${o.namespace}/maintenanceruns`, body, signal);
    // 409: another leader (or this one, before a lost answer) created it first: the name is the start's
    if (r.status !== 201 && r.status !== 409) throw new Error(`could not create MaintenanceRun ${name}: ${r.status} ${r.body.slice(0, 300)}`);
    if (r.status === 201) o.log(`plan ${plan.metadata.name}: started run ${name} at ${new Date(o.clock.now()).toISOString()}, scheduled for ${new Date(next).toISOString()}`);
  }
}

/** Drives one run to its end, or until this replica stops leading. */
async function drive(o: ControllerOptions, run: MaintenanceRun, latest: () => MaintenanceRun, signal: AbortSignal): Promise<void> {
  const spec = () => latest().spec;
  const name = run.metadata.name;
  const status = statusWriter(o, name, run.metadata.resourceVersion ?? '', signal);
  let plan: LoadedPlan;
  let members: Members;
  try {
    plan = await loadPlan(o, run.spec.planRef.name, signal);
    members = await memberKubeconfigs(o, plan.plan, signal);
  } catch (e: unknown) {
    if (isAbortError(e) || signal.aborted) throw e;
    await status({ phase: 'Failed', conditions: [condition('Failed', 'True', 'PlanInvalid', errorMessage(e))] });
    return;
  }
  const connected = await connectClusters(members.plan, { signal }).catch(async (e: unknown) => {
    await members.remove();
    throw e;
  });
  try {
    const secrets = kubeSecrets(o.api);
    const signer = await journalSignerInSecret(secrets, o.namespace, signal);
    const first = connected.clusters.values().next().value;
    const clock = first?.clock ?? o.clock;
    const journal = await KubeJournal.open<RunEvent>({
      configMaps: kubeConfigMaps(o.api),
      runId: name,
      namespace: o.namespace,
      clock: () => clock.now(),
      signer,
      ...(run.metadata.uid ? { owner: { apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', name, uid: run.metadata.uid, controller: true } } : {}),
    });
    o.log(`run ${name}: ${journal.entries.length === 0 ? 'starting' : `resuming from entry ${journal.entries.length}`} (plan ${plan.plan.metadata.name})`);
    await status({ phase: spec().paused ? 'Paused' : 'Running', conditions: [condition('Progressing', 'True', journal.entries.length === 0 ? 'Started' : 'Resumed', drivenBy(o.identity))] });
    let last = 0;
    let now: RunState | undefined;
    let lastPhase = '';
    const emit = (_e: JournalEntry, state: RunState) => {
      now = state;
      // The status follows the journal, at most once a second, and at once when its phase changes
      const next = stateStatus(state);
      if (clock.now() - last < 1_000 && next.phase === lastPhase) return;
      last = clock.now();
      lastPhase = String(next.phase);
      void status(next).catch((e: unknown) => o.log(`run ${name}: ${errorMessage(e)}`));
    };
    // A journal append refused because another controller wrote first: this one is deposed
    let fenced: unknown;
    const guarded = {
      runId: journal.runId,
      get entries() {
        return journal.entries;
      },
      head: () => journal.head(),
      append: (event: RunEvent) => journal.append(event).catch((e: unknown) => {
        if (e instanceof JournalFenced) fenced = e;
        throw e;
      }),
    };
    const end = await executeRun({
      deps: { ...engineDeps({ runId: name, plan, clusters: connected.clusters, clock, emit }), approvals: annotationInbox(latest, () => now, (line) => o.log(`run ${name}: ${line}`)) },
      journal: guarded,
      interrupt: signal,
      // Deposed or stopping, it leaves the clusters' leases to the next leader, who holds them as the same run
      keepLeases: () => signal.aborted || fenced !== undefined,
      control: specControl(spec),
    });
    if (fenced) throw fenced; // deposed: the leader steps down
    if (signal.aborted) return; // stopping: the next leader resumes it
    const phase = { succeeded: 'Succeeded', degraded: 'Degraded', failed: 'Failed', aborted: 'Aborted', paused: 'Paused', running: 'Running' }[end.status];
    const done = phase === 'Succeeded' || phase === 'Degraded';
    await status({
      ...stateStatus(end.state),
      phase,
      conditions: [
        condition('Progressing', 'False', phase, end.reason ?? phase),
        condition(done ? 'Succeeded' : 'Failed', 'True', phase, end.reason ?? `the run ended ${end.status}`),
      ],
    });
    o.log(`run ${name}: ${end.status}${end.reason ? `: ${end.reason}` : ''}`);
  } finally {
    await connected.close();
    await members.remove();
  }
}

interface Members {
  /** The plan with each cluster's kubeconfig a file: its Secret's, or the controller's own. */
  readonly plan: Plan;
  remove(): Promise<void>;
}

/**
 * The member clusters' kubeconfigs: a cluster with `kubeconfigSecret` is reached through the kubeconfig in that
 * Secret of the controller's namespace (written to a private file for the run, removed after it); the others
 * through the controller's own kubeconfig.
 */
async function memberKubeconfigs(o: ControllerOptions, plan: Plan, signal: AbortSignal): Promise<Members> {
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
function annotationInbox(latest: () => MaintenanceRun, state: () => RunState | undefined, log: (line: string) => void): ApprovalInbox {
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
      const judged = problem ? { problem } : judgeAnswer(s, { decision, step, by, via: 'annotation', at: new Date().toISOString(), ...(comment ? { comment } : {}) });
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
function specControl(spec: () => MaintenanceRun['spec']): { poll(): ControlCommand[] } {
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

function stateStatus(state: RunState): Record<string, unknown> {
  const counts: Record<string, number> = {};
  for (const n of Object.values(state.nodes)) {
    const key = n.outcome ?? n.step ?? 'pending';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const waiting = waitingApprovals(state).map((w) => w.step);
  if (waiting.length) return { nodeCounts: counts, phase: 'WaitingForApproval', currentStage: `waiting for approval of ${waiting.join(', ')}` };
  return { nodeCounts: counts, phase: state.status === 'paused' ? 'Paused' : 'Running', currentStage: currentStage(state) };
}

/** Where the run is, as people read it: its phase and the nodes it is working on. */
function currentStage(state: RunState): string {
  const busy = Object.entries(state.nodes).filter(([, n]) => n.outcome === undefined && n.step !== undefined).map(([k]) => k.split('/').at(-1));
  const phase = state.phases.at(-1);
  const where = phase ? `${phase.phase} ${phase.cluster} wave ${Math.min(phase.wavesDone + 1, phase.waves.length)} of ${phase.waves.length}` : '';
  return [where, busy.length ? `nodes ${busy.join(', ')}` : ''].filter(Boolean).join(': ') || 'starting';
}

function condition(type: string, value: 'True' | 'False', reason: string, message: string) {
  return { type, status: value, reason: reason.replace(/[^A-Za-z0-9_]/g, '') || 'Unknown', message: message.slice(0, 32_000), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
}

/** The Progressing condition's message while a controller drives the run: whose status it is. */
const drivenBy = (identity: string) => `driven by ${identity}`;

/** A write of the run's status was refused: another controller wrote the run since this one read it. */
export class StatusFenced extends Error {
  override name = 'StatusFenced';
}

/**
 * The run's status, written in order, each write conditional on the resourceVersion the last one returned
 * (a merge patch carrying metadata.resourceVersion is refused with 409 when the object moved on): once a
 * new leader has written the run, a deposed one can write it no more.
 */
function statusWriter(o: ControllerOptions, name: string, resourceVersion: string, signal: AbortSignal): (status: Record<string, unknown>) => Promise<void> {
  let rv = resourceVersion;
  let chain: Promise<void> = Promise.resolve();
  let fenced: StatusFenced | undefined;
  let claimed = false;
  return (status) => {
    const write = async () => {
      if (fenced) throw fenced;
      const r = await o.api.raw('PATCH', `${GROUP}/namespaces/${o.namespace}/maintenanceruns/${name}/status`, { metadata: { resourceVersion: rv }, status }, signal);
      if (r.status === 409) {
        // Moved on: a person's change to the spec (pause, abort) is no reason to stop; another controller's status is
        const now = await o.api.raw('GET', `${GROUP}/namespaces/${o.namespace}/maintenanceruns/${name}`, undefined, signal);
        const current = now.status === 200 ? (JSON.parse(now.body) as MaintenanceRun & { status?: { conditions?: { type: string; message?: string }[] } }) : undefined;
        const driver = current?.status?.conditions?.find((c) => c.type === 'Progressing')?.message;
        // Before this controller's first write (its claim, as the Lease's holder) the last driver may be a deposed one
        if (current && (!claimed || driver === drivenBy(o.identity))) {
          rv = current.metadata.resourceVersion ?? rv;
          return write();
        }
        fenced = new StatusFenced(`MaintenanceRun ${o.namespace}/${name} was written by someone else since resourceVersion ${rv} (${driver ?? 'no driver named'}): another controller carries it on`);
        throw fenced;
      }
      if (r.status >= 300) throw new Error(`could not write the status of MaintenanceRun ${name}: ${r.status} ${r.body.slice(0, 300)}`);
      rv = (JSON.parse(r.body) as MaintenanceRun).metadata.resourceVersion ?? rv;
      claimed = true;
    };
    const next = chain.then(write, write);
    chain = next.catch(() => undefined);
    return next;
  };
}

async function list<T>(o: ControllerOptions, plural: string, signal: AbortSignal): Promise<T[]> {
  const r = await o.api.raw('GET', `${GROUP}/namespaces/${o.namespace}/${plural}`, undefined, signal);
  if (r.status !== 200) throw new Error(`could not list ${plural} in ${o.namespace}: ${r.status} ${r.body.slice(0, 300)}`);
  return (JSON.parse(r.body) as { items: T[] }).items;
}

/** The MaintenancePlan as a plan file: its spec without schedule and suspend, read by the plan's own parser. */
async function loadPlan(o: ControllerOptions, name: string, signal: AbortSignal): Promise<LoadedPlan> {
  const r = await o.api.raw('GET', `${GROUP}/namespaces/${o.namespace}/maintenanceplans/${name}`, undefined, signal);
  if (r.status === 404) throw new UserError(`MaintenancePlan ${o.namespace}/${name} does not exist`);
  if (r.status !== 200) throw new Error(`could not read MaintenancePlan ${o.namespace}/${name}: ${r.status} ${r.body.slice(0, 300)}`);
  const mp = JSON.parse(r.body) as MaintenancePlan;
  const { schedule: _schedule, suspend: _suspend, ...spec } = mp.spec;
  const text = JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: mp.metadata.name }, spec }, null, 2);
  return parsePlan(`maintenanceplan/${o.namespace}/${name}`, text);
}

export const controllerCommand: Command = {
  name: 'controller',
  help: HELP,
  async run(argv, io) {
    const p = parse('controller', argv, { ...HELP_OPTION, kubeconfig: { type: 'string' }, context: { type: 'string' }, namespace: { type: 'string' }, identity: { type: 'string' }, listen: { type: 'string' }, 'token-file': { type: 'string' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    if (p.positionals.length) throw new UserError(`unexpected argument "${p.positionals[0]}"; see daylight controller --help`);
    const listen = listenAddress(stringFlag(p, 'listen'), stringFlag(p, 'token-file'));
    const token = listen ? dashboardToken(stringFlag(p, 'token-file')) : undefined;
    const kubeconfig = stringFlag(p, 'kubeconfig');
    const kc = loadKubeConfig({ ...(kubeconfig ? { kubeconfig } : {}), env: process.env });
    const context = stringFlag(p, 'context');
    if (context) kc.setCurrentContext(context);
    const api = new KubeApi(kc);
    const identity = stringFlag(p, 'identity') ?? `${process.env.POD_NAME ?? hostname()}-${randomBytes(3).toString('hex')}`;
    const log = (line: string) => io.err(JSON.stringify({ time: new Date().toISOString(), identity, msg: line }));
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    const namespace = stringFlag(p, 'namespace') ?? 'daylight-system';
    log(`controller ${identity} in namespace ${namespace}; campaigning for the Lease ${LEASE}`);
    const leading = { now: false };
    let server: RunningServer | undefined;
    try {
      if (token && 'problem' in token) log(`dashboard not served: ${token.problem}`);
      else if (listen && token && 'token' in token) server = await serveRuns(api, namespace, { ...listen, token: token.token }, () => leading.now, log);
      const onTransition = (l: boolean) => {
        leading.now = l;
      };
      await runController({ api, ...(kubeconfig ? { kubeconfig } : {}), namespace, identity, clock: systemClock, timing: CLIENT_GO_TIMING, log, onTransition }, stop.signal);
    } finally {
      await server?.close();
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      await api.close();
    }
    log('stopped');
    return 0;
  },
};

interface Listen {
  readonly host: string;
  readonly port: number;
}

/** --listen ADDR:PORT and --token-file as the server takes them; beyond loopback without a token file, refused. */
function listenAddress(listen: string | undefined, tokenFile: string | undefined): Listen | undefined {
  if (listen === undefined) {
    if (tokenFile !== undefined) throw new UserError('--token-file is for the dashboard: give --listen ADDR:PORT too (the chart: 0.0.0.0:8080)');
    return undefined;
  }
  const at = listen.lastIndexOf(':');
  const host = (at > 0 ? listen.slice(0, at) : '0.0.0.0').replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65_535) throw new UserError(`--listen ${listen}: expected ADDR:PORT, such as 0.0.0.0:8080 or 127.0.0.1:7420`);
  if (!tokenFile && !isLoopback(host)) throw new UserError(`--listen ${listen}: beyond loopback every call needs a token; give --token-file F (the chart mounts a Secret there)`);
  return { host, port };
}

/**
 * The dashboard's token, or why there is none: then the controller runs on without its dashboard (the chart's
 * token Secret is optional, so a missing one leaves the controller up, its dashboard closed, and says so).
 */
function dashboardToken(tokenFile: string | undefined): { token: string } | { problem: string } {
  // On loopback without a file, reads need no token and nothing here takes a change: a token no one knows
  if (!tokenFile) return { token: newToken() };
  try {
    return { token: tokenFrom(tokenFile).token };
  } catch (e: unknown) {
    if (!(e instanceof UserError)) throw e;
    return { problem: `${e.message}. In the chart: create the Secret service.tokenSecret names (key token), then kubectl rollout restart the Deployment` };
  }
}

/** The dashboard, its read API and /metrics over the namespace's runs, on this replica whether it leads or not. */
async function serveRuns(api: KubeApi, namespace: string, l: Listen & { readonly token: string }, leading: () => boolean, log: (line: string) => void): Promise<RunningServer> {
  const runs = clusterRuns({ api, configMaps: kubeConfigMaps(api), namespace });
  const server = await startServer({
    runs,
    host: l.host,
    port: l.port,
    token: l.token,
    metrics: (signal) => controllerMetrics(runs, leading(), signal),
    log: (r) => {
      if (r.status >= 400) log(`dashboard: ${r.method} ${r.path} ${r.status}`);
    },
  });
  log(`dashboard, API and /metrics at ${server.url}${isLoopback(l.host) ? ' (loopback only)' : ' (every call needs the token)'}`);
  return server;
}
