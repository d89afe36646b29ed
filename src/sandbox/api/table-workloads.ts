// Table printers for the workload controllers and PodDisruptionBudgets, ported from kubernetes
// pkg/printers/internalversion/printers.go (v1.30) so `kubectl get deploy,rs,ds,sts,pdb` reads as on a real cluster.

import type { KObject } from '../k8s-types.ts';
import {
  AGE_COLUMN, CONTAINERS_DESCRIPTION, IMAGES_DESCRIPTION, NAME_COLUMN, age, at, column, containerCells,
  formatLabelSelector, formatLabels, intOrString, num, selectorString, wide,
} from './table-format.ts';
import type { Printer } from './table-format.ts';

const INTEGER = { type: 'integer' } as const;

// The real apiserver defaults spec.replicas to 1; sandbox objects may have skipped that defaulting.
function desiredReplicas(obj: KObject): number {
  return num(at(obj.spec, 'replicas'), 1);
}

function statusCount(obj: KObject, field: string): number {
  return num(at(obj.status, field));
}

function templateCells(obj: KObject): [string, string] {
  return containerCells(at(obj.spec, 'template', 'spec'));
}

export const deploymentPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE_COLUMN,
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
    wide('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  cells: (d, nowMs) => [
    d.metadata.name,
    `${statusCount(d, 'readyReplicas')}/${desiredReplicas(d)}`,
    statusCount(d, 'updatedReplicas'),
    statusCount(d, 'availableReplicas'),
    age(d, nowMs),
    ...templateCells(d),
    selectorString(at(d.spec, 'selector')),
  ],
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.', INTEGER),
    column('Current', 'Replicas is the most recently observed number of replicas.', INTEGER),
    column('Ready', 'The number of ready replicas for this replica set.', INTEGER),
    AGE_COLUMN,
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
    wide('Selector', 'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template.'),
  ],
  cells: (rs, nowMs) => [
    rs.metadata.name,
    desiredReplicas(rs),
    statusCount(rs, 'replicas'),
    statusCount(rs, 'readyReplicas'),
    age(rs, nowMs),
    ...templateCells(rs),
    formatLabelSelector(at(rs.spec, 'selector')),
  ],
};

export const daemonSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', INTEGER),
    column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', INTEGER),
    column('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', INTEGER),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', INTEGER),
    column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', INTEGER),
    column('Node Selector', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    AGE_COLUMN,
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
    wide('Selector', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template.'),
  ],
  cells: (ds, nowMs) => [
    ds.metadata.name,
    statusCount(ds, 'desiredNumberScheduled'),
    statusCount(ds, 'currentNumberScheduled'),
    statusCount(ds, 'numberReady'),
    statusCount(ds, 'updatedNumberScheduled'),
    statusCount(ds, 'numberAvailable'),
    formatLabels(at(ds.spec, 'template', 'spec', 'nodeSelector')),
    age(ds, nowMs),
    ...templateCells(ds),
    formatLabelSelector(at(ds.spec, 'selector')),
  ],
};

export const statefulSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    AGE_COLUMN,
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
  ],
  cells: (sts, nowMs) => [
    sts.metadata.name,
    `${statusCount(sts, 'readyReplicas')}/${desiredReplicas(sts)}`,
    age(sts, nowMs),
    ...templateCells(sts),
  ],
};

function budgetBound(obj: KObject, field: 'minAvailable' | 'maxUnavailable'): string {
  const value = at(obj.spec, field);
  return value === undefined || value === null ? 'N/A' : intOrString(value);
}

export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Min Available', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', INTEGER),
    AGE_COLUMN,
  ],
  cells: (pdb, nowMs) => [
    pdb.metadata.name,
    budgetBound(pdb, 'minAvailable'),
    budgetBound(pdb, 'maxUnavailable'),
    statusCount(pdb, 'disruptionsAllowed'),
    age(pdb, nowMs),
  ],
};
