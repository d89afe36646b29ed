// The pod Table printer: a port of printPod from kubernetes pkg/printers/internalversion/printers.go
// (v1.30), so READY, STATUS and RESTARTS read exactly as `kubectl get pods` shows them on a real cluster.

import type { KObject } from '../k8s-types.ts';
import {
  AGE_COLUMN, NAME_COLUMN, age, at, column, humanDuration, isRec, list, num, parseTime, rec, recs, str, wide,
} from './table-format.ts';
import type { Json, Printer, RowCondition } from './table-format.ts';

/** Restart count plus the newest lastState.terminated.finishedAt among the counted containers (0: none). */
interface Restarts { count: number; lastMs: number }

interface InitScan { all: Restarts; sidecars: Restarts; ready: number; initReason?: string }

const COLUMNS = [
  NAME_COLUMN,
  column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  AGE_COLUMN,
  wide('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
  wide('Node', 'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.'),
  wide('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.'),
  wide('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates'),
];

function addRestarts(into: Restarts, status: Json): void {
  into.count += num(status.restartCount);
  const finished = parseTime(at(status, 'lastState', 'terminated', 'finishedAt'));
  if (finished !== undefined && finished > into.lastMs) into.lastMs = finished;
}

function conditionIs(status: Json, type: string, value: string): boolean {
  return recs(status.conditions).some((c) => c.type === type && c.status === value);
}

/** Reason of a terminated container: its own, else the signal, else the exit code. */
function terminationReason(terminated: Json): string {
  const reason = str(terminated.reason);
  if (reason !== '') return reason;
  const signal = num(terminated.signal);
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${num(terminated.exitCode)}`;
}

/** What one init container status means: keep scanning (maybe a ready sidecar) or stop with a reason. */
function initOutcome(c: Json, sidecar: boolean, index: number, initCount: number): { ready: boolean } | { reason: string } {
  const terminated = at(c, 'state', 'terminated');
  if (isRec(terminated) && num(terminated.exitCode) === 0) return { ready: false };
  if (sidecar && c.started === true) return { ready: c.ready === true };
  if (isRec(terminated)) return { reason: `Init:${terminationReason(terminated)}` };
  const waiting = str(at(c, 'state', 'waiting', 'reason'));
  if (waiting !== '' && waiting !== 'PodInitializing') return { reason: `Init:${waiting}` };
  return { reason: `Init:${index}/${initCount}` };
}

function scanInitContainers(pod: Json, status: Json): InitScan {
  const specs = recs(at(pod, 'spec', 'initContainers'));
  const sidecars = new Set(specs.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  const scan: InitScan = { all: { count: 0, lastMs: 0 }, sidecars: { count: 0, lastMs: 0 }, ready: 0 };
  for (const [index, c] of recs(status.initContainerStatuses).entries()) {
    const sidecar = sidecars.has(str(c.name));
    addRestarts(scan.all, c);
    if (sidecar) addRestarts(scan.sidecars, c);
    const outcome = initOutcome(c, sidecar, index, specs.length);
    if ('reason' in outcome) {
      scan.initReason = outcome.reason;
      break;
    }
    if (outcome.ready) scan.ready++;
  }
  return scan;
}

/** STATUS before container states are looked at: phase, status.reason, or scheduling gates. */
function baseReason(status: Json): string {
  const gated = recs(status.conditions).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated');
  if (gated) return 'SchedulingGated';
  return str(status.reason) || str(status.phase);
}

interface MainScan { reason: string; ready: number; restarts: Restarts }

/** The regular containers, last to first, as printPod walks them: the first container's reason wins. */
function scanContainers(status: Json, start: MainScan): MainScan {
  const scan = { ...start, restarts: { ...start.restarts } };
  let hasRunning = false;
  for (const c of recs(status.containerStatuses).reverse()) {
    addRestarts(scan.restarts, c);
    const waiting = str(at(c, 'state', 'waiting', 'reason'));
    const terminated = at(c, 'state', 'terminated');
    if (waiting !== '') scan.reason = waiting;
    else if (isRec(terminated)) scan.reason = terminationReason(terminated);
    else if (c.ready === true && isRec(at(c, 'state', 'running'))) {
      hasRunning = true;
      scan.ready++;
    }
  }
  if (scan.reason === 'Completed' && hasRunning) {
    scan.reason = conditionIs(status, 'Ready', 'True') ? 'Running' : 'NotReady';
  }
  return scan;
}

function podSummary(pod: KObject): MainScan {
  const status = rec(pod.status);
  const init = scanInitContainers(pod, status);
  const initializing = init.initReason !== undefined;
  let scan: MainScan = { reason: init.initReason ?? baseReason(status), ready: init.ready, restarts: init.all };
  if (!initializing || conditionIs(status, 'Initialized', 'True')) {
    scan = scanContainers(status, { ...scan, restarts: init.sidecars });
  }
  const phase = str(status.phase);
  if (pod.metadata.deletionTimestamp !== undefined && status.reason === 'NodeLost') scan.reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed') scan.reason = 'Terminating';
  return scan;
}

function restartsCell(restarts: Restarts, nowMs: number): string {
  if (restarts.count === 0 || restarts.lastMs === 0) return String(restarts.count);
  return `${restarts.count} (${humanDuration(nowMs - restarts.lastMs)} ago)`;
}

function readinessGates(spec: Json, status: Json): string {
  const gates = recs(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  const passing = gates.filter((g) => conditionIs(status, str(g.conditionType), 'True'));
  return `${passing.length}/${gates.length}`;
}

function wideCells(pod: KObject): string[] {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  // The real apiserver mirrors podIP into podIPs; sandbox pods may carry only podIP.
  const ip = str(at(list(status.podIPs)[0], 'ip')) || str(status.podIP);
  return [ip || '<none>', str(spec.nodeName) || '<none>', str(status.nominatedNodeName) || '<none>', readinessGates(spec, status)];
}

function podCells(pod: KObject, nowMs: number): unknown[] {
  const summary = podSummary(pod);
  const spec = rec(pod.spec);
  const sidecars = recs(spec.initContainers).filter((c) => c.restartPolicy === 'Always').length;
  const total = list(spec.containers).length + sidecars;
  const ready = `${summary.ready}/${total}`;
  return [pod.metadata.name, ready, summary.reason, restartsCell(summary.restarts, nowMs), age(pod, nowMs), ...wideCells(pod)];
}

/** Finished pods carry a Completed row condition, as the real server marks them. */
function podConditions(pod: KObject): RowCondition[] | undefined {
  const phase = at(pod, 'status', 'phase');
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}

export const podPrinter: Printer = { columns: COLUMNS, cells: podCells, conditions: podConditions };
