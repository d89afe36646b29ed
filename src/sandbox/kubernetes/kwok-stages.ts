// The Stage documents kwok follows to play the sandbox's kubelets: a node's registration and its status
// heartbeat, and a pod's start-up, readiness and deletion after the delays the fleet file gives each workload.
import { stringify } from 'yaml';

/**
 * Per-pod delays as Go durations ("20s"), written by the engine on each pod template: kwok reads a stage's
 * delay from an annotation through `durationFrom`, so each workload keeps its own timing.
 */
export const KWOK_DELAY = {
  /** Scheduled to Running (containers started, not yet Ready): the fleet's startupSeconds. */
  start: 'sandbox.daylight.dev/kwok-start-delay',
  /** Running to Ready: the fleet's readinessSeconds. */
  ready: 'sandbox.daylight.dev/kwok-ready-delay',
  /** Deletion asked to the pod gone: the fleet's shutdownSeconds, capped by the grace period. */
  stop: 'sandbox.daylight.dev/kwok-stop-delay',
} as const;

/**
 * A node with this annotation gets no heartbeat and no re-registration: its kubelet is down (a reboot in
 * progress), so the node-lifecycle controller finds its status stale after its grace period, as with a real one.
 * A pod with it (one on such a node) neither starts, gets Ready nor finishes terminating: nobody runs it,
 * and its last status stays until the node-lifecycle controller marks it, as on a real cluster.
 */
export const KUBELET_STOPPED_ANNOTATION = 'sandbox.daylight.dev/kubelet-stopped';

/**
 * How often a node posts its status: a quarter of the node-lifecycle controller's grace period (a
 * kubelet's 10 s against 40 s), with a little jitter. The engine runs kwok without node Leases, so this
 * is the heartbeat the controller judges.
 */
function heartbeat(gracePeriodSeconds: number): object {
  const ms = Math.max(1000, Math.round((gracePeriodSeconds * 1000) / 4));
  return { durationMilliseconds: ms, jitterDurationMilliseconds: Math.round(ms * 1.2) };
}

/** kube-controller-manager's default --node-monitor-grace-period since Kubernetes 1.32. */
export const DEFAULT_NODE_GRACE_SECONDS = 50;

const nodeRef = { apiGroup: 'v1', kind: 'Node' };
const podRef = { apiGroup: 'v1', kind: 'Pod' };
const kubeletRunning = { key: `.metadata.annotations["${KUBELET_STOPPED_ANNOTATION}"]`, operator: 'DoesNotExist' };
const notReady = { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'NotIn', values: ['True'] };
const ready = { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'In', values: ['True'] };
const alive = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };

/** Every node condition from kwok's defaults (Ready True, no pressure), stamped now. */
const NODE_CONDITIONS = `{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
phase: Running
`;

/** A heartbeat keeps each condition's lastTransitionTime: only lastHeartbeatTime moves. */
const NODE_HEARTBEAT = `{{ $now := Now }}
{{ $old := .status.conditions }}
conditions:
{{ range NodeConditions }}
{{ $type := .type }}
{{ $since := $now }}
{{ range $old }}{{ if eq .type $type }}{{ $since = .lastTransitionTime }}{{ end }}{{ end }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $since | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
`;

const POD_ADDRESSES = `{{ $hostIPs := NodeIPsWith .spec.nodeName }}
{{ with $hostIPs }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
{{ with $podIPs }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
`;

const podConditions = (isReady: boolean, since: string) => `conditions:
- {type: PodScheduled, status: "True", lastTransitionTime: ${since}}
- {type: Initialized, status: "True", lastTransitionTime: ${since}}
- {type: ContainersReady, status: "${isReady ? 'True' : 'False'}", lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "${isReady ? 'True' : 'False'}", lastTransitionTime: {{ $now | Quote }}}
`;

const podContainers = (isReady: boolean, startedAt: string) => `containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: ${isReady}
  started: true
  restartCount: 0
  state:
    running:
      startedAt: ${startedAt}
{{ end }}
`;

const POD_START = `{{ $now := Now }}
${podConditions(false, '{{ $now | Quote }}')}${podContainers(false, '{{ $now | Quote }}')}${POD_ADDRESSES}phase: Running
startTime: {{ $now | Quote }}
`;

const POD_READY = `{{ $now := Now }}
{{ $started := or .status.startTime $now }}
${podConditions(true, '{{ $started | Quote }}')}${podContainers(true, '{{ $started | Quote }}')}`;

function stage(name: string, resourceRef: object, matchExpressions: object[], delay: object, next: object): object {
  return { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Stage', metadata: { name }, spec: { resourceRef, selector: { matchExpressions }, delay, next } };
}

const delayFrom = (annotation: string) => ({ durationMilliseconds: 0, durationFrom: { expressionFrom: `.metadata.annotations["${annotation}"]` } });

/** The sandbox's Stage documents, as one multi-document YAML file for `kwok --config`. */
export function kwokStagesYaml(nodeGracePeriodSeconds = DEFAULT_NODE_GRACE_SECONDS): string {
  const stages = [
    stage('daylight-node-register', nodeRef, [kubeletRunning, notReady], { durationMilliseconds: 0 }, { statusTemplate: NODE_CONDITIONS }),
    stage('daylight-node-heartbeat', nodeRef, [kubeletRunning, ready], heartbeat(nodeGracePeriodSeconds), { statusTemplate: NODE_HEARTBEAT }),
    stage('daylight-pod-start', podRef, [kubeletRunning, alive, { key: '.status.phase', operator: 'In', values: ['Pending'] }], delayFrom(KWOK_DELAY.start), { statusTemplate: POD_START }),
    stage('daylight-pod-ready', podRef, [kubeletRunning, alive, { key: '.status.phase', operator: 'In', values: ['Running'] }, notReady], delayFrom(KWOK_DELAY.ready), { statusTemplate: POD_READY }),
    stage('daylight-pod-delete', podRef, [kubeletRunning, { key: '.metadata.deletionTimestamp', operator: 'Exists' }, { key: '.metadata.finalizers', operator: 'DoesNotExist' }], delayFrom(KWOK_DELAY.stop), { delete: true }),
  ];
  return stages.map((s) => stringify(s)).join('---\n');
}

/** Seconds as the Go duration kwok parses. */
export function goDuration(seconds: number): string {
  return `${Math.round(seconds * 1000)}ms`;
}
