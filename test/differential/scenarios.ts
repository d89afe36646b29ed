// The differential suite's scenarios, as data, in the order Daylight depends on them: each is played on both
// engines and must get the same answers. A deliberate difference is not written here but listed, with its
// reason, under "Differential suite" in docs/sandbox-kubernetes-engine.md.
import { PRESENT } from './scenario.ts';
import type { ApiRequest, Scenario, Step } from './scenario.ts';

const pod = (namespace: string, name: string, labels: Record<string, string>, finalizers?: string[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels, ...(finalizers ? { finalizers } : {}) },
  spec: { containers: [{ name: 'main', image: 'registry.example/app:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

const budget = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace }, spec });

const create = (path: string, body: unknown): Step => ({ send: { method: 'POST', path, body }, expect: { status: 201 } });
/**
 * Repeated until 201: a real API server refuses pods (403) until its service-account controller has made
 * the new namespace's `default` account, a moment after the namespace.
 */
const createPod = (ns: string, name: string, labels: Record<string, string>, finalizers?: string[]): Step => ({
  until: { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod(ns, name, labels, finalizers) },
  expect: { status: 201 },
});
const createBudget = (ns: string, name: string, spec: Record<string, unknown>): Step => create(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, budget(ns, name, spec));

const evict = (ns: string, name: string): ApiRequest => ({
  method: 'POST',
  path: `/api/v1/namespaces/${ns}/pods/${name}/eviction`,
  body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
});

const budgetStatus = (ns: string, name: string, status: Record<string, unknown>, timeoutMs = 30_000): Step => ({
  until: { method: 'GET', path: `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${name}` },
  expect: { status: 200, fields: Object.fromEntries(Object.entries(status).map(([k, v]) => [`status.${k}`, v])) },
  timeoutMs,
});

const podsReady = (ns: string, names: readonly string[]): Step[] =>
  names.map((name) => ({
    until: { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${name}` },
    expect: { status: 200, fields: { 'status.phase': 'Running' } },
  }));

/** Three Ready bare pods under `minAvailable: 2`: one disruption allowed. */
const threeBudgetedPods = (ns: string): Step[] => [
  ...['p1', 'p2', 'p3'].map((name) => createPod(ns, name, { app: 'e' })),
  createBudget(ns, 'budget', { minAvailable: 2, selector: { matchLabels: { app: 'e' } } }),
  ...podsReady(ns, ['p1', 'p2', 'p3']),
  budgetStatus(ns, 'budget', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 }),
];

const deployment = (ns: string, name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod(ns, name, {}).spec } },
});

const daemonSet = (ns: string, name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod(ns, name, {}).spec } },
});

export const scenarios: readonly Scenario[] = [
  {
    name: 'eviction allowed by the budget: 201 Success',
    namespace: 'diff-evict-ok',
    steps: [...threeBudgetedPods('diff-evict-ok'), { send: evict('diff-evict-ok', 'p1'), expect: { status: 201, fields: { kind: 'Status', status: 'Success' } } }],
  },
  {
    name: 'eviction refused by the budget: 429 with a DisruptionBudget cause',
    namespace: 'diff-evict-429',
    steps: [
      ...threeBudgetedPods('diff-evict-429'),
      { send: evict('diff-evict-429', 'p1'), expect: { status: 201 } },
      {
        send: evict('diff-evict-429', 'p2'),
        expect: {
          status: 429,
          fields: { kind: 'Status', status: 'Failure', code: 429, reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget.", 'details.causes.0.reason': 'DisruptionBudget' },
        },
      },
    ],
  },
  {
    name: 'eviction of a pod two budgets select: 500',
    namespace: 'diff-evict-500',
    steps: [
      ...threeBudgetedPods('diff-evict-500'),
      createBudget('diff-evict-500', 'second', { maxUnavailable: 1, selector: { matchLabels: { app: 'e' } } }),
      {
        send: evict('diff-evict-500', 'p1'),
        expect: { status: 500, fields: { kind: 'Status', status: 'Failure', code: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' } },
      },
    ],
  },
  {
    name: 'eviction of a missing pod: 404 NotFound',
    namespace: 'diff-evict-404',
    steps: [
      {
        send: evict('diff-evict-404', 'nope'),
        expect: { status: 404, fields: { kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound', message: 'pods "nope" not found', 'details.name': 'nope', 'details.kind': 'pods' } },
      },
    ],
  },
  {
    name: "budget status over a Deployment's pods",
    namespace: 'diff-pdb-deploy',
    steps: [
      create('/apis/apps/v1/namespaces/diff-pdb-deploy/deployments', deployment('diff-pdb-deploy', 'web', 3)),
      createBudget('diff-pdb-deploy', 'web', { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } }),
      budgetStatus('diff-pdb-deploy', 'web', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, 'conditions.0.type': 'DisruptionAllowed', 'conditions.0.status': 'True', 'conditions.0.reason': 'SufficientPods' }, 60_000),
    ],
  },
  {
    name: 'budget status over bare pods with maxUnavailable: they count for nothing, so nothing is allowed',
    namespace: 'diff-pdb-bare',
    steps: [
      ...['b1', 'b2', 'b3'].map((name) => createPod('diff-pdb-bare', name, { app: 'bare' })),
      ...podsReady('diff-pdb-bare', ['b1', 'b2', 'b3']),
      createBudget('diff-pdb-bare', 'bare', { maxUnavailable: 1, selector: { matchLabels: { app: 'bare' } } }),
      budgetStatus('diff-pdb-bare', 'bare', {
        observedGeneration: 1,
        expectedPods: 0,
        currentHealthy: 3,
        desiredHealthy: 0,
        disruptionsAllowed: 0,
        'conditions.0.type': 'DisruptionAllowed',
        'conditions.0.status': 'False',
        'conditions.0.reason': 'InsufficientPods',
      }),
      { send: evict('diff-pdb-bare', 'b1'), expect: { status: 429, fields: { reason: 'TooManyRequests', 'details.causes.0.reason': 'DisruptionBudget' } } },
    ],
  },
  {
    name: "budget status over a DaemonSet's pods with maxUnavailable: no scale to read (SyncFailed, 0 allowed)",
    namespace: 'diff-pdb-daemons',
    steps: [
      create('/apis/apps/v1/namespaces/diff-pdb-daemons/daemonsets', daemonSet('diff-pdb-daemons', 'agent')),
      createBudget('diff-pdb-daemons', 'agent', { maxUnavailable: 1, selector: { matchLabels: { app: 'agent' } } }),
      budgetStatus('diff-pdb-daemons', 'agent', { disruptionsAllowed: 0, 'conditions.0.type': 'DisruptionAllowed', 'conditions.0.status': 'False', 'conditions.0.reason': 'SyncFailed' }, 60_000),
      { remember: { method: 'GET', path: '/api/v1/namespaces/diff-pdb-daemons/pods' }, as: { first: 'items.0.metadata.name' } },
      ...podsReady('diff-pdb-daemons', ['{first}']),
      { send: evict('diff-pdb-daemons', '{first}'), expect: { status: 429, fields: { reason: 'TooManyRequests', 'details.causes.0.reason': 'DisruptionBudget' } } },
    ],
  },
  {
    name: 'a pod with a finalizer: deleted, it stays with a deletionTimestamp until the finalizer is removed',
    namespace: 'diff-finalizer',
    steps: [
      createPod('diff-finalizer', 'held', { app: 'held' }, ['example.com/hold']),
      ...podsReady('diff-finalizer', ['held']),
      { send: { method: 'DELETE', path: '/api/v1/namespaces/diff-finalizer/pods/held?gracePeriodSeconds=1' }, expect: { status: 200, fields: { 'metadata.deletionTimestamp': PRESENT } } },
      // Past the grace period, when the kubelet has stopped the pod and sent its final delete.
      { wait: 5_000 },
      {
        send: { method: 'GET', path: '/api/v1/namespaces/diff-finalizer/pods/held' },
        expect: { status: 200, fields: { 'metadata.deletionTimestamp': PRESENT, 'metadata.finalizers': ['example.com/hold'] } },
      },
      { send: { method: 'PATCH', path: '/api/v1/namespaces/diff-finalizer/pods/held', body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' }, expect: { status: 200 } },
      { until: { method: 'GET', path: '/api/v1/namespaces/diff-finalizer/pods/held' }, expect: { status: 404, fields: { reason: 'NotFound' } } },
    ],
  },
  {
    name: 'watch=True (as python3-kubernetes sends it) is a watch: ADDED for the pods there',
    namespace: 'diff-watch',
    steps: [
      createPod('diff-watch', 'w1', { app: 'w' }),
      { watch: '/api/v1/namespaces/diff-watch/pods?watch=True', expect: { status: 200, fields: { type: 'ADDED', 'object.kind': 'Pod', 'object.metadata.name': 'w1' } } },
    ],
  },
  {
    name: 'optimistic concurrency: a write with a stale resourceVersion gets 409 Conflict',
    namespace: 'diff-conflict',
    steps: [
      create('/api/v1/namespaces/diff-conflict/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'diff-conflict' }, data: { a: '1' } }),
      { remember: { method: 'GET', path: '/api/v1/namespaces/diff-conflict/configmaps/c' }, as: { rv: 'metadata.resourceVersion' } },
      {
        send: { method: 'PUT', path: '/api/v1/namespaces/diff-conflict/configmaps/c', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'diff-conflict', resourceVersion: '{rv}' }, data: { a: '2' } } },
        expect: { status: 200, fields: { 'data.a': '2' } },
      },
      {
        send: { method: 'PUT', path: '/api/v1/namespaces/diff-conflict/configmaps/c', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'diff-conflict', resourceVersion: '{rv}' }, data: { a: '3' } } },
        expect: { status: 409, fields: { reason: 'Conflict', message: 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again', 'details.name': 'c', 'details.kind': 'configmaps' } },
      },
      {
        send: { method: 'PATCH', path: '/api/v1/namespaces/diff-conflict/configmaps/c', body: { metadata: { resourceVersion: '{rv}' }, data: { a: '4' } }, contentType: 'application/merge-patch+json' },
        expect: { status: 409, fields: { reason: 'Conflict', 'details.name': 'c', 'details.kind': 'configmaps' } },
      },
    ],
  },
];
