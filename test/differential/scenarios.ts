// The differential suite's scenarios, as data, in the order Daylight depends on them: each is played on both
// engines and must get the same answers. A deliberate difference is not written here but listed, with its
// reason, under "Differential suite" in docs/sandbox-kubernetes-engine.md.
import { PRESENT } from './scenario.ts';
import type { ApiRequest, Scenario, Step } from './scenario.ts';

interface PodExtras {
  readonly finalizers?: string[];
  readonly annotations?: Record<string, string>;
  readonly nodeSelector?: Record<string, string>;
}

const pod = (namespace: string, name: string, labels: Record<string, string>, extras: PodExtras = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels, ...(extras.finalizers ? { finalizers: extras.finalizers } : {}), ...(extras.annotations ? { annotations: extras.annotations } : {}) },
  spec: { containers: [{ name: 'main', image: 'registry.example/app:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }], ...(extras.nodeSelector ? { nodeSelector: extras.nodeSelector } : {}) },
});

/** A pod that runs but never gets Ready, on either engine: kwok's readiness delay, the simulated kubelet's fault. */
const NEVER_READY = { 'sandbox.daylight.dev/kwok-ready-delay': '1h', 'sandbox.daylight.dev/fault': 'never-ready' };

const budget = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace }, spec });

const create = (path: string, body: unknown): Step => ({ send: { method: 'POST', path, body }, expect: { status: 201 } });
/**
 * Repeated until 201: a real API server refuses pods (403) until its service-account controller has made
 * the new namespace's `default` account, a moment after the namespace.
 */
const createPod = (ns: string, name: string, labels: Record<string, string>, extras?: PodExtras): Step => ({
  until: { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod(ns, name, labels, extras) },
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

const statefulSet = (ns: string, name: string, replicas: number, o: { finalizers?: string[] } = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: ns },
  spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name }, ...(o.finalizers ? { finalizers: o.finalizers } : {}) }, spec: pod(ns, name, {}).spec } },
});

/** Two Ready pods and one that never gets Ready, under `budgetSpec` (selector added). */
const oneUnhealthy = (ns: string, budgetSpec: Record<string, unknown>): Step[] => [
  createPod(ns, 'r1', { app: 'u' }),
  createPod(ns, 'r2', { app: 'u' }),
  createPod(ns, 'sick', { app: 'u' }, { annotations: NEVER_READY }),
  ...podsReady(ns, ['r1', 'r2', 'sick']),
  createBudget(ns, 'budget', { ...budgetSpec, selector: { matchLabels: { app: 'u' } } }),
];

const lease = (ns: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns }, spec });
const leases = (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** `kubectl auth can-i`: may this token (the engine's admin without one) do what `attributes` name? */
const accessReview = (token: string | undefined, resourceAttributes: Record<string, string>): ApiRequest => ({
  method: 'POST',
  path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
  body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
  ...(token ? { token } : {}),
});

/** A server-side apply of ConfigMap `cfg` in diff-apply with this data, by `manager`. */
const apply = (manager: string, data: Record<string, string>, force = false): ApiRequest => ({
  method: 'PATCH',
  path: `/api/v1/namespaces/diff-apply/configmaps/cfg?fieldManager=${manager}${force ? '&force=true' : ''}`,
  body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data },
  contentType: 'application/apply-patch+yaml',
});
/** The columns `kubectl get` prints, in order, named as the server defines them. */
const columns = (names: readonly string[]) => Object.fromEntries(names.map((name, i) => [`columnDefinitions.${i}.name`, name]));

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
      createPod('diff-finalizer', 'held', { app: 'held' }, { finalizers: ['example.com/hold'] }),
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
  {
    name: 'unhealthyPodEvictionPolicy AlwaysAllow: a not-Ready pod is evicted though the budget allows no disruption',
    namespace: 'diff-unhealthy-always',
    steps: [
      ...oneUnhealthy('diff-unhealthy-always', { minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' }),
      budgetStatus('diff-unhealthy-always', 'budget', { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0 }),
      { send: evict('diff-unhealthy-always', 'r1'), expect: { status: 429, fields: { reason: 'TooManyRequests', 'details.causes.0.reason': 'DisruptionBudget' } } },
      { send: evict('diff-unhealthy-always', 'sick'), expect: { status: 201, fields: { kind: 'Status', status: 'Success' } } },
    ],
  },
  {
    name: 'unhealthyPodEvictionPolicy IfHealthyBudget: a not-Ready pod is evicted only while the budget is healthy',
    namespace: 'diff-unhealthy-ifhealthy',
    steps: [
      ...oneUnhealthy('diff-unhealthy-ifhealthy', { minAvailable: 3, unhealthyPodEvictionPolicy: 'IfHealthyBudget' }),
      budgetStatus('diff-unhealthy-ifhealthy', 'budget', { currentHealthy: 2, desiredHealthy: 3, disruptionsAllowed: 0 }),
      { send: evict('diff-unhealthy-ifhealthy', 'sick'), expect: { status: 429, fields: { reason: 'TooManyRequests', 'details.causes.0.reason': 'DisruptionBudget' } } },
      {
        send: { method: 'PATCH', path: '/apis/policy/v1/namespaces/diff-unhealthy-ifhealthy/poddisruptionbudgets/budget', body: { spec: { minAvailable: 2 } }, contentType: 'application/merge-patch+json' },
        expect: { status: 200, fields: { 'metadata.generation': 2 } },
      },
      budgetStatus('diff-unhealthy-ifhealthy', 'budget', { observedGeneration: 2, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 }),
      { send: evict('diff-unhealthy-ifhealthy', 'r1'), expect: { status: 429, fields: { reason: 'TooManyRequests' } } },
      { send: evict('diff-unhealthy-ifhealthy', 'sick'), expect: { status: 201, fields: { status: 'Success' } } },
    ],
  },
  {
    name: 'a not-Ready pod under a budget that wants no healthy pods (minAvailable 0) and allows nothing: 429, the default policy needs desiredHealthy > 0',
    namespace: 'diff-unhealthy-zero',
    steps: [
      createPod('diff-unhealthy-zero', 'sick', { app: 'z' }, { annotations: NEVER_READY }),
      ...podsReady('diff-unhealthy-zero', ['sick']),
      createBudget('diff-unhealthy-zero', 'budget', { minAvailable: 0, selector: { matchLabels: { app: 'z' } } }),
      budgetStatus('diff-unhealthy-zero', 'budget', { currentHealthy: 0, desiredHealthy: 0, expectedPods: 1, disruptionsAllowed: 0 }),
      { send: evict('diff-unhealthy-zero', 'sick'), expect: { status: 429, fields: { reason: 'TooManyRequests', 'details.causes.0.reason': 'DisruptionBudget' } } },
    ],
  },
  {
    name: 'a Pending pod no node can take is evicted past a budget that allows nothing, and goes at once',
    namespace: 'diff-evict-pending',
    steps: [
      createPod('diff-evict-pending', 'stuck', { app: 'p' }, { nodeSelector: { 'example.com/no-such-label': 'x' } }),
      createBudget('diff-evict-pending', 'budget', { minAvailable: 1, selector: { matchLabels: { app: 'p' } } }),
      budgetStatus('diff-evict-pending', 'budget', { currentHealthy: 0, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0 }),
      { send: { method: 'GET', path: '/api/v1/namespaces/diff-evict-pending/pods/stuck' }, expect: { status: 200, fields: { 'status.phase': 'Pending', 'spec.nodeName': undefined } } },
      { send: evict('diff-evict-pending', 'stuck'), expect: { status: 201, fields: { status: 'Success' } } },
      { until: { method: 'GET', path: '/api/v1/namespaces/diff-evict-pending/pods/stuck' }, expect: { status: 404, fields: { reason: 'NotFound' } }, timeoutMs: 10_000 },
    ],
  },
  {
    name: 'a terminating pod is evicted past a budget that allows nothing; its finalizer still holds it',
    namespace: 'diff-evict-terminating',
    steps: [
      createPod('diff-evict-terminating', 'going', { app: 't' }, { finalizers: ['example.com/hold'] }),
      ...podsReady('diff-evict-terminating', ['going']),
      createBudget('diff-evict-terminating', 'budget', { minAvailable: 1, selector: { matchLabels: { app: 't' } } }),
      budgetStatus('diff-evict-terminating', 'budget', { currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0 }),
      { send: evict('diff-evict-terminating', 'going'), expect: { status: 429, fields: { reason: 'TooManyRequests' } } },
      { send: { method: 'DELETE', path: '/api/v1/namespaces/diff-evict-terminating/pods/going?gracePeriodSeconds=1' }, expect: { status: 200, fields: { 'metadata.deletionTimestamp': PRESENT } } },
      { send: evict('diff-evict-terminating', 'going'), expect: { status: 201, fields: { status: 'Success' } } },
      { send: { method: 'GET', path: '/api/v1/namespaces/diff-evict-terminating/pods/going' }, expect: { status: 200, fields: { 'metadata.deletionTimestamp': PRESENT, 'metadata.finalizers': ['example.com/hold'] } } },
      { send: { method: 'PATCH', path: '/api/v1/namespaces/diff-evict-terminating/pods/going', body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' }, expect: { status: 200 } },
      { until: { method: 'GET', path: '/api/v1/namespaces/diff-evict-terminating/pods/going' }, expect: { status: 404, fields: { reason: 'NotFound' } } },
    ],
  },
  {
    name: "budget status over a StatefulSet's pods: expectedPods from its scale",
    namespace: 'diff-pdb-sts',
    steps: [
      // The pods carry a finalizer, so the evicted one stays terminating and its StatefulSet cannot replace it
      // before the second eviction (a replacement Ready in between would rightly let that one through too).
      create('/apis/apps/v1/namespaces/diff-pdb-sts/statefulsets', statefulSet('diff-pdb-sts', 'db', 2, { finalizers: ['example.com/hold'] })),
      createBudget('diff-pdb-sts', 'db', { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } }),
      budgetStatus('diff-pdb-sts', 'db', { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1, 'conditions.0.reason': 'SufficientPods' }, 60_000),
      { send: evict('diff-pdb-sts', 'db-0'), expect: { status: 201 } },
      { send: evict('diff-pdb-sts', 'db-1'), expect: { status: 429, fields: { reason: 'TooManyRequests', 'details.causes.0.reason': 'DisruptionBudget' } } },
      { send: { method: 'PATCH', path: '/api/v1/namespaces/diff-pdb-sts/pods/db-0', body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' }, expect: { status: 200 } },
      { send: { method: 'PATCH', path: '/api/v1/namespaces/diff-pdb-sts/pods/db-1', body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' }, expect: { status: 200 } },
    ],
  },
  {
    name: 'Lease validation: a duration not above 0 is 422 Invalid with field causes; a time not RFC 3339 with microseconds is 400 (422 from a patch)',
    namespace: 'diff-lease',
    steps: [
      {
        send: { method: 'POST', path: leases('diff-lease'), body: lease('diff-lease', 'neg', { holderIdentity: 'a', leaseDurationSeconds: -5 }) },
        expect: {
          status: 422,
          fields: {
            kind: 'Status',
            reason: 'Invalid',
            message: 'Lease.coordination.k8s.io "neg" is invalid: spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0',
            'details.name': 'neg',
            'details.group': 'coordination.k8s.io',
            'details.kind': 'Lease',
            'details.causes': [{ reason: 'FieldValueInvalid', message: 'Invalid value: -5: must be greater than 0', field: 'spec.leaseDurationSeconds' }],
          },
        },
      },
      {
        send: { method: 'POST', path: leases('diff-lease'), body: lease('diff-lease', 'zero', { holderIdentity: 'a', leaseDurationSeconds: 0, leaseTransitions: -1 }) },
        expect: { status: 422, fields: { reason: 'Invalid', 'details.causes.0.field': 'spec.leaseDurationSeconds', 'details.causes.1.field': 'spec.leaseTransitions', 'details.causes.1.message': 'Invalid value: -1: must be greater than or equal to 0' } },
      },
      { send: { method: 'POST', path: leases('diff-lease'), body: lease('diff-lease', 'words', { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: 'yesterday' }) }, expect: { status: 400, fields: { kind: 'Status', reason: 'BadRequest', code: 400 } } },
      { send: { method: 'POST', path: leases('diff-lease'), body: lease('diff-lease', 'millis', { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: '2026-12-05T19:00:00.123Z' }) }, expect: { status: 400, fields: { reason: 'BadRequest' } } },
      {
        send: { method: 'POST', path: leases('diff-lease'), body: lease('diff-lease', 'ok', { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-12-05T20:00:00.123456+01:00', renewTime: '2026-12-05T19:00:01.000000Z' }) },
        expect: { status: 201, fields: { 'spec.acquireTime': '2026-12-05T19:00:00.123456Z', 'spec.renewTime': '2026-12-05T19:00:01.000000Z', 'spec.leaseDurationSeconds': 15 } },
      },
      { remember: { method: 'GET', path: `${leases('diff-lease')}/ok` }, as: { rv: 'metadata.resourceVersion' } },
      {
        send: { method: 'PUT', path: `${leases('diff-lease')}/ok`, body: { ...lease('diff-lease', 'ok', { holderIdentity: 'a', leaseDurationSeconds: -1 }), metadata: { name: 'ok', namespace: 'diff-lease', resourceVersion: '{rv}' } } },
        expect: { status: 422, fields: { reason: 'Invalid', 'details.causes.0.field': 'spec.leaseDurationSeconds' } },
      },
      // A patch that leaves a time that cannot be decoded: kube-apiserver blames the patch (422, field "patch").
      {
        send: { method: 'PATCH', path: `${leases('diff-lease')}/ok`, body: { spec: { renewTime: 'soon' } }, contentType: 'application/merge-patch+json' },
        expect: { status: 422, fields: { reason: 'Invalid', 'details.causes.0.reason': 'FieldValueInvalid', 'details.causes.0.field': 'patch' } },
      },
    ],
  },
  {
    name: 'Events: a core Event reads through events.k8s.io/v1 and back, both list them, and a v1 Event without its required fields is 422',
    namespace: 'diff-events',
    steps: [
      {
        send: {
          method: 'POST',
          path: '/api/v1/namespaces/diff-events/events',
          body: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'core' }, involvedObject: { kind: 'Pod', name: 'p1', namespace: 'diff-events', apiVersion: 'v1' }, reason: 'Evicted', message: 'evicting pod', type: 'Normal', source: { component: 'daylight' }, firstTimestamp: '2026-12-05T19:00:00Z', lastTimestamp: '2026-12-05T19:00:01Z', count: 2 },
        },
        expect: { status: 201, fields: { kind: 'Event', apiVersion: 'v1', 'involvedObject.name': 'p1', count: 2 } },
      },
      {
        send: { method: 'GET', path: '/apis/events.k8s.io/v1/namespaces/diff-events/events/core' },
        expect: {
          status: 200,
          fields: { kind: 'Event', apiVersion: 'events.k8s.io/v1', reason: 'Evicted', note: 'evicting pod', type: 'Normal', 'regarding.name': 'p1', 'regarding.kind': 'Pod', 'deprecatedSource.component': 'daylight', deprecatedCount: 2, deprecatedFirstTimestamp: '2026-12-05T19:00:00Z', deprecatedLastTimestamp: '2026-12-05T19:00:01Z', message: undefined, involvedObject: undefined },
        },
      },
      {
        send: {
          method: 'POST',
          path: '/apis/events.k8s.io/v1/namespaces/diff-events/events',
          body: { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'v1' }, eventTime: '2026-12-05T19:00:00.000000Z', reportingController: 'daylight.dev/maintenance', reportingInstance: 'host-1', action: 'Drain', reason: 'Draining', type: 'Normal', note: 'draining pod', regarding: { kind: 'Pod', name: 'p1', namespace: 'diff-events', apiVersion: 'v1' } },
        },
        expect: { status: 201, fields: { kind: 'Event', apiVersion: 'events.k8s.io/v1', note: 'draining pod', reportingController: 'daylight.dev/maintenance', 'regarding.name': 'p1' } },
      },
      {
        send: { method: 'GET', path: '/api/v1/namespaces/diff-events/events/v1' },
        expect: { status: 200, fields: { kind: 'Event', apiVersion: 'v1', message: 'draining pod', reason: 'Draining', 'involvedObject.name': 'p1', reportingComponent: 'daylight.dev/maintenance', reportingInstance: 'host-1', action: 'Drain', eventTime: '2026-12-05T19:00:00.000000Z' } },
      },
      { send: { method: 'GET', path: '/api/v1/namespaces/diff-events/events' }, expect: { status: 200, fields: { kind: 'EventList', 'items.length': 2, 'items.0.metadata.name': 'core', 'items.1.metadata.name': 'v1' } } },
      { send: { method: 'GET', path: '/apis/events.k8s.io/v1/namespaces/diff-events/events' }, expect: { status: 200, fields: { kind: 'EventList', apiVersion: 'events.k8s.io/v1', 'items.length': 2, 'items.0.note': 'evicting pod', 'items.1.note': 'draining pod' } } },
      {
        send: { method: 'POST', path: '/apis/events.k8s.io/v1/namespaces/diff-events/events', body: { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'bare' }, note: 'x', regarding: { kind: 'Pod', name: 'p1', namespace: 'diff-events' } } },
        expect: {
          status: 422,
          fields: { reason: 'Invalid', 'details.kind': 'Event', 'details.causes.0': { reason: 'FieldValueRequired', message: 'Required value', field: 'eventTime' }, 'details.causes.1.field': 'type' },
        },
      },
    ],
  },
  {
    name: 'watch bookmarks: with allowWatchBookmarks one comes before timeoutSeconds ends and one marks the end of the initial state, carrying only a resourceVersion; without, none',
    namespace: 'diff-bookmark',
    steps: [
      { remember: { method: 'GET', path: leases('diff-bookmark') }, as: { rv: 'metadata.resourceVersion' } },
      // 2 s before timeoutSeconds ends the watch. kube-apiserver sends it only once its cache has moved past
      // the watch's resourceVersion while it runs: a Lease the watch does not select, written meanwhile.
      {
        watch: `${leases('diff-bookmark')}?watch=1&labelSelector=watched%3Dyes&allowWatchBookmarks=true&timeoutSeconds=5&resourceVersion={rv}`,
        during: { method: 'POST', path: leases('diff-bookmark'), body: lease('diff-bookmark', 'unwatched', { holderIdentity: 'a', leaseDurationSeconds: 15 }) },
        expect: { status: 200, fields: { type: 'BOOKMARK', 'object.kind': 'Lease', 'object.apiVersion': 'coordination.k8s.io/v1', 'object.metadata.resourceVersion': PRESENT, 'object.metadata.name': undefined, 'object.metadata.annotations': undefined } },
      },
      // From "0" (the state, then changes) the end of the initial ADDED events is marked by a bookmark too.
      {
        watch: `${leases('diff-bookmark')}?watch=1&labelSelector=watched%3Dyes&allowWatchBookmarks=true&timeoutSeconds=5&resourceVersion=0`,
        expect: { status: 200, fields: { type: 'BOOKMARK', 'object.kind': 'Lease', 'object.metadata.name': undefined, 'object.metadata.annotations': { 'k8s.io/initial-events-end': 'true' } } },
      },
      // The server ends the watch at timeoutSeconds: no event at all came without allowWatchBookmarks.
      { watch: `${leases('diff-bookmark')}?watch=1&labelSelector=watched%3Dyes&timeoutSeconds=1&resourceVersion={rv}`, expect: { status: 200, fields: { type: undefined } } },
      { watch: `${leases('diff-bookmark')}?watch=1&labelSelector=watched%3Dyes&timeoutSeconds=1&resourceVersion=0`, expect: { status: 200, fields: { type: undefined } } },
    ],
  },
  {
    name: 'after a compaction past them, a watch from an old resourceVersion gets an ERROR event with 410 Expired, and an old continue token 410',
    namespace: 'diff-gone',
    steps: [
      create('/api/v1/namespaces/diff-gone/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'before' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'diff-gone' }, reason: 'Test', message: 'before', type: 'Normal' }),
      create('/api/v1/namespaces/diff-gone/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'before2' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'diff-gone' }, reason: 'Test', message: 'before', type: 'Normal' }),
      { remember: { method: 'GET', path: '/api/v1/namespaces/diff-gone/events?limit=1' }, as: { page: 'metadata.continue' } },
      // A write after the list: the compaction below then passes the list's resourceVersion.
      create('/api/v1/namespaces/diff-gone/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'between' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'diff-gone' }, reason: 'Test', message: 'between', type: 'Normal' }),
      { compact: true },
      { watch: '/api/v1/namespaces/diff-gone/events?watch=1&resourceVersion=1', expect: { status: 200, fields: { type: 'ERROR', 'object.kind': 'Status', 'object.status': 'Failure', 'object.code': 410, 'object.reason': 'Expired' } } },
      // The list's continue token has expired too: 410, with a token to go on inconsistently.
      {
        send: { method: 'GET', path: '/api/v1/namespaces/diff-gone/events?limit=1&continue={page}' },
        expect: { status: 410, fields: { kind: 'Status', reason: 'Expired', code: 410, 'metadata.continue': PRESENT, message: 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.' } },
      },
      { remember: { method: 'GET', path: '/api/v1/namespaces/diff-gone/events' }, as: { rv: 'metadata.resourceVersion' } },
      create('/api/v1/namespaces/diff-gone/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'after' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'diff-gone' }, reason: 'Test', message: 'after', type: 'Normal' }),
      { watch: '/api/v1/namespaces/diff-gone/events?watch=1&resourceVersion={rv}', expect: { status: 200, fields: { type: 'ADDED', 'object.metadata.name': 'after' } } },
    ],
  },
  {
    name: 'Table output for kubectl get: the columns and cells of nodes and pods',
    namespace: 'diff-table',
    steps: [
      {
        send: { method: 'GET', path: '/api/v1/nodes', accept: TABLE },
        expect: {
          status: 200,
          fields: {
            kind: 'Table',
            apiVersion: 'meta.k8s.io/v1',
            ...columns(['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']),
            'columnDefinitions.0.format': 'name',
            'columnDefinitions.5.priority': 1,
            'rows.0.cells.0': 'eu-central-a-r1-n1',
            'rows.0.cells.1': 'Ready',
            'rows.0.cells.2': '<none>',
            'rows.0.cells.4': 'v1.30.4',
            'rows.0.cells.6': '<none>',
            'rows.0.cells.8': '6.1.0-28-amd64 (amd64)',
            'rows.0.object.kind': 'PartialObjectMetadata',
            'rows.0.object.metadata.name': 'eu-central-a-r1-n1',
          },
        },
      },
      createPod('diff-table', 'tp', { app: 'table' }),
      ...podsReady('diff-table', ['tp']),
      {
        until: { method: 'GET', path: '/api/v1/namespaces/diff-table/pods', accept: TABLE },
        expect: {
          status: 200,
          fields: {
            kind: 'Table',
            ...columns(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']),
            'rows.length': 1,
            'rows.0.cells.0': 'tp',
            'rows.0.cells.1': '1/1',
            'rows.0.cells.2': 'Running',
            'rows.0.cells.3': '0',
            'rows.0.cells.7': '<none>',
            'rows.0.cells.8': '<none>',
            'rows.0.object.metadata.name': 'tp',
          },
        },
      },
      { send: { method: 'GET', path: '/api/v1/namespaces/diff-table/pods/tp', accept: TABLE }, expect: { status: 200, fields: { kind: 'Table', 'rows.length': 1, 'rows.0.cells.0': 'tp' } } },
    ],
  },
  {
    name: 'RBAC: a ServiceAccount token gets 403 Forbidden for what no bound Role allows, naming the user, verb and resource',
    namespace: 'diff-rbac',
    steps: [
      create('/api/v1/namespaces/diff-rbac/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'limited' } }),
      {
        send: { method: 'POST', path: '/api/v1/namespaces/diff-rbac/serviceaccounts/limited/token', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } } },
        expect: { status: 201, fields: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', 'spec.expirationSeconds': 600, 'status.token': PRESENT, 'status.expirationTimestamp': PRESENT } },
      },
      { remember: { method: 'POST', path: '/api/v1/namespaces/diff-rbac/serviceaccounts/limited/token', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } } }, as: { token: 'status.token' } },
      create('/apis/rbac.authorization.k8s.io/v1/namespaces/diff-rbac/roles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }),
      create('/apis/rbac.authorization.k8s.io/v1/namespaces/diff-rbac/rolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'limited-reads-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'limited', namespace: 'diff-rbac' }],
      }),
      createPod('diff-rbac', 'p1', { app: 'rbac' }),
      // RBAC's informers see the new binding a moment later on a real server.
      { until: { method: 'GET', path: '/api/v1/namespaces/diff-rbac/pods/p1', token: '{token}' }, expect: { status: 200, fields: { 'metadata.name': 'p1' } } },
      {
        send: { method: 'GET', path: '/api/v1/namespaces/diff-rbac/pods', token: '{token}' },
        expect: {
          status: 403,
          fields: { kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden', message: 'pods is forbidden: User "system:serviceaccount:diff-rbac:limited" cannot list resource "pods" in API group "" in the namespace "diff-rbac"', details: { kind: 'pods' } },
        },
      },
      {
        send: { ...evict('diff-rbac', 'p1'), token: '{token}' },
        expect: {
          status: 403,
          fields: { reason: 'Forbidden', message: 'pods "p1" is forbidden: User "system:serviceaccount:diff-rbac:limited" cannot create resource "pods/eviction" in API group "" in the namespace "diff-rbac"', details: { name: 'p1', kind: 'pods' } },
        },
      },
      {
        send: { method: 'PATCH', path: '/apis/policy/v1/namespaces/diff-rbac/poddisruptionbudgets/none', body: { spec: {} }, contentType: 'application/merge-patch+json', token: '{token}' },
        expect: { status: 403, fields: { reason: 'Forbidden', message: 'poddisruptionbudgets.policy "none" is forbidden: User "system:serviceaccount:diff-rbac:limited" cannot patch resource "poddisruptionbudgets" in API group "policy" in the namespace "diff-rbac"', details: { name: 'none', group: 'policy', kind: 'poddisruptionbudgets' } } },
      },
      {
        send: { method: 'GET', path: '/api/v1/nodes', token: '{token}' },
        expect: { status: 403, fields: { reason: 'Forbidden', message: 'nodes is forbidden: User "system:serviceaccount:diff-rbac:limited" cannot list resource "nodes" in API group "" at the cluster scope' } },
      },
      { send: { method: 'GET', path: '/api/v1/namespaces/diff-rbac/pods', token: 'not-a-token' }, expect: { status: 401, fields: { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 } } },
      // kubectl auth can-i: a SelfSubjectAccessReview, which any identity may create.
      { send: accessReview('{token}', { namespace: 'diff-rbac', verb: 'get', resource: 'pods' }), expect: { status: 201, fields: { kind: 'SelfSubjectAccessReview', 'status.allowed': true, 'spec.resourceAttributes.verb': 'get' } } },
      { send: accessReview('{token}', { namespace: 'diff-rbac', verb: 'create', resource: 'pods', subresource: 'eviction' }), expect: { status: 201, fields: { 'status.allowed': false } } },
      { send: accessReview(undefined, { verb: 'patch', resource: 'nodes' }), expect: { status: 201, fields: { 'status.allowed': true } } },
    ],
  },
  {
    name: 'server-side apply: creates, 409 between field managers for a different value, force takes the field over, a dropped field goes',
    namespace: 'diff-apply',
    steps: [
      { send: apply('alpha', { a: '1', b: '1' }), expect: { status: 201, fields: { 'data.a': '1', 'data.b': '1', 'metadata.managedFields.0.manager': 'alpha', 'metadata.managedFields.0.operation': 'Apply', 'metadata.managedFields.0.fieldsV1': { 'f:data': { 'f:a': {}, 'f:b': {} } } } } },
      {
        send: apply('beta', { a: '2' }),
        expect: { status: 409, fields: { kind: 'Status', reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "alpha": .data.a', 'details.causes': [{ reason: 'FieldManagerConflict', message: 'conflict with "alpha"', field: '.data.a' }] } },
      },
      // The same value is no conflict: both own the field.
      { send: apply('beta', { a: '1', c: '3' }), expect: { status: 200, fields: { data: { a: '1', b: '1', c: '3' } } } },
      { send: apply('beta', { a: '2', c: '3' }, true), expect: { status: 200, fields: { data: { a: '2', b: '1', c: '3' } } } },
      // alpha no longer applies b, which only alpha owned: gone; a is beta's now and stays.
      { send: apply('alpha', { d: '4' }), expect: { status: 200, fields: { data: { a: '2', c: '3', d: '4' } } } },
      { send: { ...apply('', { a: '5' }), path: '/api/v1/namespaces/diff-apply/configmaps/cfg' }, expect: { status: 422, fields: { reason: 'Invalid', 'details.kind': 'PatchOptions', 'details.causes.0.field': 'fieldManager' } } },
      // A YAML body, as kubectl apply --server-side sends it.
      {
        send: { method: 'PATCH', path: '/api/v1/namespaces/diff-apply/configmaps/yaml?fieldManager=kubectl', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml\ndata:\n  k: v\n', contentType: 'application/apply-patch+yaml', raw: true },
        expect: { status: 201, fields: { 'data.k': 'v' } },
      },
    ],
  },
];
