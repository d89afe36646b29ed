// `daylight controller`: Daylight in the cluster. Its replicas elect one leader through a Lease
// (controller/leader.ts); the leader drives every unfinished MaintenanceRun of its namespace with the same
// engine as `daylight run`, its journal kept in the API server (journal/kube-journal.ts), so a standby
// that takes over resumes each run from its journal where the last leader stopped; a deposed leader's
// appends are refused by the journal's resourceVersion preconditions. It starts runs when a
// MaintenancePlan's schedule says (a MaintenanceRun named after the plan and the start, so two leaders
// racing create it once), and writes each run's state to its status: phase, stage, node counts, conditions.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { nextScheduledStart } from '../controller/schedule.ts';
import { CLIENT_GO_TIMING, runLeaderElection } from '../controller/leader.ts';
import { POLL_MS, watchChanges } from '../controller/changes.ts';
import type { ElectionTiming } from '../controller/leader.ts';
import type { RunEvent } from '../engine/events.ts';
import type { JournalEntry } from '../engine/events.ts';
import { executeRun } from '../engine/runner.ts';
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
import { HELP_OPTION, parse, stringFlag } from './args.ts';
import { connectClusters } from './clusters.ts';
import type { Command } from './command.ts';
import { engineDeps } from './engine-wiring.ts';
import { clusterRuns, controllerMetrics } from './cluster-runs.ts';
import { tokenFrom } from './serve.ts';
import { isLoopback, newToken } from '../server/auth.ts';
import { startServer } from '../server/server.ts';
import type { RunningServer } from '../server/server.ts';
import { DASHBOARD_APPROVER, DAYLIGHT_GROUP, FINISHED_PHASES } from './maintenance-run.ts';
import type { MaintenancePlan, MaintenanceRun } from './maintenance-run.ts';
import { annotationInbox, memberKubeconfigs, specControl, specSkips } from './controller-run-inputs.ts';
import type { Members } from './controller-run-inputs.ts';
import { drivenBy, runConditions, stateStatus, StatusFenced, statusWriter } from './controller-run-status.ts';
import { RunView } from './run-view.ts';
import { Notifier } from '../notify/notifier.ts';

export { APPROVAL_ANNOTATIONS } from './maintenance-run.ts';

const HELP = `Usage: daylight controller [--kubeconfig FILE] [--context CTX] [--namespace NS] [--identity ID] [--listen ADDR:PORT] [--token-file F] [--read-only]

Daylight in the cluster: runs every MaintenanceRun of the namespace with the same engine as daylight run,
starts runs when a MaintenancePlan's schedule says, and keeps each run's journal in the API server.
Several replicas elect one leader through the Lease daylight-controller (lease 15 s, renew deadline
10 s, retry 2 s, as client-go); a standby that takes over resumes each unfinished run from its journal.

  --kubeconfig FILE   the cluster holding the MaintenancePlans and MaintenanceRuns, and the plans' clusters
                      by their contexts (in a pod: the service account)
  --context CTX       the context of the cluster holding them (default: the kubeconfig's current one)
  --namespace NS      where the plans, runs, journals and the Lease are (default daylight-system)
  --identity ID       this replica's name in the Lease (default: the host name and a random suffix)
  --listen ADDR:PORT  serve the dashboard and API of daylight serve over the namespace's MaintenanceRuns
                      (their journals read from the API server), and /metrics, on every replica, standbys
                      too (default: off; the chart listens on 0.0.0.0:8080). Pause, resume, abort and
                      answers to approval gates from it are written to the MaintenanceRun (spec.paused,
                      spec.abort, the approval annotations in the name "dashboard"), for the leader to take
  --token-file F      the token every call needs beyond loopback, and every change anywhere, as daylight
                      serve's --token-file (needed with an address beyond loopback; in the chart, a Secret).
                      When there is none and none can be written there, the controller runs with its
                      dashboard closed, and says why
  --read-only         the dashboard changes nothing: pause, resume, abort and approvals are answered 501
                      with the kubectl command that makes them (the chart's service.controls: false)`;

const LEASE = 'daylight-controller';
/** How often the leader lists the plans and runs though its watches said nothing: a missed event costs at most this. */
const RESYNC_MS = 60_000;
/** How many of the run's last journal entries its status shows. */
const LAST_EVENTS = 10;


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
  /** The longest the leader waits between two looks at the plans and runs when nothing wakes it (60 s). */
  readonly resyncMs?: number;
  /** Told when this replica starts and stops leading (tests measure the takeover with it). */
  readonly onTransition?: (leading: boolean, atMs: number) => void;
}

export async function runController(o: ControllerOptions, signal: AbortSignal): Promise<void> {
  const leases = new KubeCluster({ name: 'controller', api: o.api, clock: o.clock }).leases;
  await runLeaderElection({ leases, name: LEASE, identity: o.identity, clock: o.clock, ...(o.timing ? { timing: o.timing } : {}), log: o.log, ...(o.onTransition ? { onTransition: o.onTransition } : {}) }, (leading) => lead(o, leading), signal);
}

/**
 * The leader's work: at each look, start what the schedules say and drive every unfinished run. It looks
 * when its watches of the plans and runs say something changed (a run created, a spec or an annotation
 * changed, a plan changed), when a schedule's next start comes on the clock, and at least every resync.
 */
async function lead(o: ControllerOptions, leading: AbortSignal): Promise<void> {
  const driving = new Map<string, { readonly done: Promise<void>; run: MaintenanceRun }>();
  // A write refused because another controller wrote first: this one is deposed, whatever its Lease says
  const deposed = new AbortController();
  const signal = AbortSignal.any([leading, deposed.signal]);
  const changes = watchChanges(o.api, ['maintenanceruns', 'maintenanceplans'].map((plural) => `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/${plural}`), { clock: o.clock, log: o.log });
  let nextStart: number | undefined;
  while (!signal.aborted) {
    try {
      // One list of the runs per look: the schedules see them, then each unfinished one is driven (a run just
      // started by its schedule is driven at the next look, which its creation wakes)
      const runs = await list<MaintenanceRun>(o, 'maintenanceruns', signal);
      nextStart = await startScheduledRuns(o, runs, signal);
      for (const run of runs) {
        const name = run.metadata.name;
        const current = driving.get(name);
        if (current) {
          current.run = run;
          continue;
        }
        if (FINISHED_PHASES.has(run.status?.phase ?? '')) continue;
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
      nextStart = o.clock.now() + POLL_MS;
    }
    const resync = o.resyncMs ?? RESYNC_MS;
    await changes.wait(nextStart === undefined ? resync : Math.min(resync, nextStart - o.clock.now()), signal);
  }
  changes.close();
  await Promise.all([...driving.values()].map((d) => d.done));
  if (deposed.signal.aborted && !leading.aborted) throw deposed.signal.reason;
}

/**
 * A MaintenanceRun for each plan whose scheduled start has come since its last run (or its creation); returns
 * the earliest start still to come, when the leader looks again.
 */
async function startScheduledRuns(o: ControllerOptions, runs: readonly MaintenanceRun[], signal: AbortSignal): Promise<number | undefined> {
  let soonest: number | undefined;
  for (const plan of await list<MaintenancePlan>(o, 'maintenanceplans', signal)) {
    const schedule = plan.spec.schedule;
    if (plan.spec.suspend || !schedule || schedule.manual) continue;
    const mine = runs.filter((r) => r.metadata.labels?.['daylight.dev/plan'] === plan.metadata.name && r.metadata.labels['daylight.dev/scheduled'] === 'true');
    const since = Math.max(Date.parse(plan.metadata.creationTimestamp ?? '') || 0, ...mine.map((r) => Number(r.metadata.labels?.['daylight.dev/start']) || 0));
    const next = nextScheduledStart(schedule, plan.spec.window as Parameters<typeof nextScheduledStart>[1], since);
    if (next === undefined) continue;
    if (next > o.clock.now()) {
      soonest = Math.min(soonest ?? next, next);
      continue;
    }
    const name = `${plan.metadata.name}-${new Date(next).toISOString().slice(0, 16).replace(/[-:T]/g, '').toLowerCase()}`.slice(0, 63);
    const body = {
      apiVersion: 'daylight.dev/v1alpha1',
      kind: 'MaintenanceRun',
      metadata: { name, namespace: o.namespace, labels: { 'daylight.dev/plan': plan.metadata.name, 'daylight.dev/scheduled': 'true', 'daylight.dev/start': String(next) } },
      spec: { planRef: { name: plan.metadata.name } },
    };
    const r = await o.api.raw('POST', `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceruns`, body, signal);
    // 409: another leader (or this one, before a lost answer) created it first: the name is the start's
    if (r.status !== 201 && r.status !== 409) throw new Error(`could not create MaintenanceRun ${name}: ${r.status} ${r.body.slice(0, 300)}`);
    if (r.status === 201) o.log(`plan ${plan.metadata.name}: started run ${name} at ${new Date(o.clock.now()).toISOString()}, scheduled for ${new Date(next).toISOString()}`);
  }
  return soonest;
}

/** Drives one run to its end, or until this replica stops leading. */
async function drive(o: ControllerOptions, run: MaintenanceRun, latest: () => MaintenanceRun, signal: AbortSignal): Promise<void> {
  const spec = () => latest().spec;
  const name = run.metadata.name;
  const status = statusWriter(o, run, signal);
  const driver = drivenBy(o.identity);
  let plan: LoadedPlan;
  let members: Members;
  try {
    plan = await loadPlan(o, run.spec.planRef.name, signal);
    members = await memberKubeconfigs(o, plan.plan, signal);
  } catch (e: unknown) {
    if (isAbortError(e) || signal.aborted) throw e;
    await status({ phase: 'Failed', currentStage: 'not started', conditions: runConditions({ phase: 'Failed', driver, reason: 'PlanInvalid', message: errorMessage(e) }) });
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
    const resumed = journal.entries.length > 0;
    const startPhase = spec().paused ? 'Paused' : 'Running';
    await status({ phase: startPhase, currentStage: resumed ? 'resuming' : 'starting', conditions: runConditions({ phase: startPhase, driver, reason: resumed ? 'Resumed' : 'Started', message: resumed ? 'resuming' : 'starting' }) });
    let last = 0;
    let now: RunState | undefined;
    let lastPhase = '';
    // The last entries as the CLI prints them, for the status's lastEvents
    const recent: string[] = [];
    const view = new RunView('text', (line) => {
      recent.push(line.trimEnd());
      if (recent.length > LAST_EVENTS) recent.shift();
    });
    // The plan's webhooks hear the run as they do under daylight run: its start, an approval it waits for, its end
    const notifier = new Notifier((plan.plan.spec.notify?.webhooks ?? []).map((w) => w.url));
    const emit = (e: JournalEntry, state: RunState) => {
      now = state;
      view.onEntry(e);
      notifier.onEntry(e, state);
      // The status follows the journal, at most once a second, and at once when its phase changes
      const next = { ...stateStatus(state, driver), lastEvents: [...recent] };
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
      deps: { ...engineDeps({ runId: name, plan, clusters: connected.clusters, clock, emit }), approvals: annotationInbox(latest, () => now, (line) => o.log(`run ${name}: ${line}`)), skips: specSkips(spec) },
      journal: guarded,
      interrupt: signal,
      // Deposed or stopping, it leaves the clusters' leases to the next leader, who holds them as the same run
      keepLeases: () => signal.aborted || fenced !== undefined,
      control: specControl(spec),
    });
    await notifier.flush();
    if (fenced) throw fenced; // deposed: the leader steps down
    if (signal.aborted) return; // stopping: the next leader resumes it
    const phase = { succeeded: 'Succeeded', degraded: 'Degraded', failed: 'Failed', aborted: 'Aborted', paused: 'Paused', running: 'Running' }[end.status];
    const message = end.reason ?? `the run ended ${end.status}`;
    await status({ ...stateStatus(end.state, driver), lastEvents: [...recent], phase, currentStage: message, conditions: runConditions({ phase, driver, message }) });
    o.log(`run ${name}: ${end.status}${end.reason ? `: ${end.reason}` : ''}`);
  } finally {
    await connected.close();
    await members.remove();
  }
}

async function list<T>(o: ControllerOptions, plural: string, signal: AbortSignal): Promise<T[]> {
  const r = await o.api.raw('GET', `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/${plural}`, undefined, signal);
  if (r.status !== 200) throw new Error(`could not list ${plural} in ${o.namespace}: ${r.status} ${r.body.slice(0, 300)}`);
  return (JSON.parse(r.body) as { items: T[] }).items;
}

/** The MaintenancePlan as a plan file: its spec without schedule and suspend, read by the plan's own parser. */
async function loadPlan(o: ControllerOptions, name: string, signal: AbortSignal): Promise<LoadedPlan> {
  const r = await o.api.raw('GET', `${DAYLIGHT_GROUP}/namespaces/${o.namespace}/maintenanceplans/${name}`, undefined, signal);
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
    const p = parse('controller', argv, { ...HELP_OPTION, kubeconfig: { type: 'string' }, context: { type: 'string' }, namespace: { type: 'string' }, identity: { type: 'string' }, listen: { type: 'string' }, 'token-file': { type: 'string' }, 'read-only': { type: 'boolean', default: false } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    if (p.positionals.length) throw new UserError(`unexpected argument "${p.positionals[0]}"; see daylight controller --help`);
    const listen = listenAddress(stringFlag(p, 'listen'), stringFlag(p, 'token-file'));
    if (p.values['read-only'] && !listen) throw new UserError('--read-only is for the dashboard: give --listen ADDR:PORT too');
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
      else if (listen && token && 'token' in token) server = await serveRuns(api, namespace, { ...listen, token: token.token, steer: !p.values['read-only'] }, () => leading.now, log);
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
async function serveRuns(api: KubeApi, namespace: string, l: Listen & { readonly token: string; readonly steer: boolean }, leading: () => boolean, log: (line: string) => void): Promise<RunningServer> {
  const runs = clusterRuns({ api, configMaps: kubeConfigMaps(api), namespace, steer: l.steer });
  const server = await startServer({
    runs,
    tokenName: DASHBOARD_APPROVER,
    host: l.host,
    port: l.port,
    token: l.token,
    metrics: (signal) => controllerMetrics(runs, leading(), signal),
    log: (r) => {
      if (r.status >= 400) log(`dashboard: ${r.method} ${r.path} ${r.status}`);
    },
  });
  log(`dashboard, API and /metrics at ${server.url}${isLoopback(l.host) ? ' (loopback only)' : ' (every call needs the token)'}${l.steer ? '' : '; read-only'}`);
  return server;
}
