// Built-in metric checks a component lists by name (`checks: {builtin: [pod-restarts, ...]}`): the key
// metrics after an upgrade, each an instant PromQL query with a default threshold.
//
// Queries and thresholds follow docs reference "Upgrades and operations" §10 (standard metric names and
// SLO thresholds). Each query is written to return a value when things are fine (a sum, not a `> 0`
// filter that comes back empty), because a Prometheus gate counts an empty answer as "no data", which
// fails closed.

export const BUILTIN_CHECK_NAMES = ['pod-restarts', 'pods-healthy', 'pvcs-bound', 'apiserver-latency', 'etcd-latency', 'etcd-fsync'] as const;

export type BuiltinCheckName = (typeof BUILTIN_CHECK_NAMES)[number];

export interface BuiltinCheck {
  readonly name: BuiltinCheckName;
  /** What it watches, for people. */
  readonly description: string;
  readonly query: string;
  /** The value must stay at or below this; a component may override it (`checks.thresholds`). */
  readonly max: number;
  /** Where the default comes from. */
  readonly source: string;
}

export const BUILTIN_CHECKS: Readonly<Record<BuiltinCheckName, BuiltinCheck>> = {
  // §10: kube_pod_container_status_restarts_total (kube-state-metrics); "restarts since maintenance start",
  // increase over 30m. Summed over the cluster so "no restarts" is 0, not an empty answer.
  'pod-restarts': {
    name: 'pod-restarts',
    description: 'container restarts in the last 30 minutes (not rising)',
    query: 'sum(increase(kube_pod_container_status_restarts_total[30m]))',
    max: 0,
    source: 'reference §10: restarts since maintenance start, expected 0',
  },
  // §10: kube_pod_status_phase, "pods not healthy" (Pending, Unknown, Failed), expected none.
  'pods-healthy': {
    name: 'pods-healthy',
    description: 'pods Pending, Unknown or Failed',
    query: 'sum(kube_pod_status_phase{phase=~"Pending|Unknown|Failed"})',
    max: 0,
    source: 'reference §10: pods not healthy, expected none',
  },
  // §10: kube_persistentvolumeclaim_status_phase (STABLE), "PVCs not Bound (expect empty)". A cluster with
  // no PVC at all answers nothing, which fails closed: leave this check out there.
  'pvcs-bound': {
    name: 'pvcs-bound',
    description: 'PersistentVolumeClaims not Bound',
    query: 'sum(kube_persistentvolumeclaim_status_phase{phase!="Bound"})',
    max: 0,
    source: 'reference §10: PVCs not Bound, expected none',
  },
  // §10 kubernetes-mixin: apiserver latency limits are 1 s for resource-scope reads and for writes (5 s
  // namespace-scope and 30 s cluster-scope reads). GET is always resource-scope, so the 1 s limit holds
  // for GET and the write verbs; LIST, whose scope varies, and the long-running WATCH/CONNECT are left out.
  'apiserver-latency': {
    name: 'apiserver-latency',
    description: 'API server request latency p99 by verb (GET and writes), seconds',
    query: 'histogram_quantile(0.99, sum by (le, verb) (rate(apiserver_request_duration_seconds_bucket{job="apiserver",verb=~"GET|POST|PUT|PATCH|DELETE"}[5m])))',
    max: 1,
    source: 'reference §10: kubernetes-mixin read (resource scope) and write latency limit 1 s',
  },
  // §10: etcd_request_duration_seconds is emitted by kube-apiserver, so this works on managed clusters too.
  // §10 names no SLO for it; 0.15 s is the p99 at which the etcd mixin's etcdGRPCRequestsSlow alert fired
  // for unary requests in earlier releases (not in the reference; unverified), a bound well inside the
  // apiserver's own 1 s. Override it per component with checks.thresholds.
  'etcd-latency': {
    name: 'etcd-latency',
    description: 'etcd request latency p99 as the API server sees it, by operation, seconds',
    query: 'histogram_quantile(0.99, sum by (le, operation) (rate(etcd_request_duration_seconds_bucket[5m])))',
    max: 0.15,
    source: 'derived: §10 gives no threshold for etcd_request_duration_seconds; etcd mixin gRPC p99 0.15 s (unverified)',
  },
  // §10: p99 WAL fsync < 10 ms (Red Hat "Recommended etcd practices"); etcd's own /metrics, self-managed only.
  'etcd-fsync': {
    name: 'etcd-fsync',
    description: 'etcd WAL fsync p99 per member, seconds (self-managed etcd only)',
    query: 'histogram_quantile(0.99, sum by (le, instance) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])))',
    max: 0.01,
    source: 'reference §10: etcd WAL fsync p99 < 10 ms',
  },
};
