// The node agent protocol (DESIGN.md section 6) on the kubernetes engine, carried out as a kubelet lives
// through it: on a reboot its heartbeats stop (the real node-lifecycle controller marks the node Unknown
// after its grace period), its pods stay with their last status, and when it comes back they are gone, the
// node posts Ready with a new bootID and the agent answers done. One agent per region, as kwok's identity.
import { randomUUID } from 'node:crypto';
import { backoffDelay } from '../../lib/backoff.ts';
import { systemClock } from '../../lib/clock.ts';
import { mapLimit } from '../../lib/concurrency.ts';
import { isExactVersion } from '../../lib/kube-version.ts';
import { errorMessage, isAbortError } from '../../lib/errors.ts';
import type { Node, Pod } from '../k8s-types.ts';
import { NODE_TIMING } from '../sim/node-actions.ts';
import type { NodeFault } from '../sim/context.ts';
import type { NodeAction, NodeActionStatus } from '../sim/node-status.ts';
import { ACTION_STATUS_ANNOTATION, readAction, readActionStatus } from '../sim/node-status.ts';
import { numberAnnotation } from '../sim/objects.ts';
import type { ApiTarget } from './api-create.ts';
import { apiCallOk, watchOnce } from './api-request.ts';
import type { WatchEvent } from './api-request.ts';
import { KUBELET_STOPPED_ANNOTATION } from './kwok-stages.ts';

const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const RELIST = { baseMs: 500, capMs: 5000 };
const PARALLEL_POD_WRITES = 8;

export interface NodeAgentOptions {
  /** kwok's identity: the agent plays the nodes' kubelets with it, so the audit log tells it from clients. */
  readonly target: ApiTarget;
  readonly log?: (line: string) => void;
  /**
   * The fleet file's node faults (`faults.nodes`): a node whose actions fail answers failed at once; a node
   * that never returns keeps its kubelet down after its next reboot, as the simulated engine plays them.
   */
  readonly faults?: (node: string) => NodeFault | undefined;
}

export interface NodeAgent {
  stop(): Promise<void>;
}

export function startNodeAgent(o: NodeAgentOptions): NodeAgent {
  const abort = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  /** Action ids taken per node: each runs at most once, even when its annotation is seen again. */
  const taken = new Map<string, string>();
  const log = o.log ?? (() => {});
  const api = (method: string, path: string, body?: { contentType: string; json: unknown }, alsoFine: readonly number[] = []) => apiCallOk(o.target, method, path, body, alsoFine);

  const setAnnotations = (node: string, annotations: Record<string, string | null>) =>
    api('PATCH', `/api/v1/nodes/${node}`, { contentType: MERGE, json: { metadata: { annotations } } });
  const status = (s: NodeActionStatus) => JSON.stringify(s);
  const podsOn = async (node: string): Promise<Pod[]> =>
    (JSON.parse((await api('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`)).body) as { items: Pod[] }).items;
  const podPath = (p: Pod) => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;

  const later = (node: string, ms: number, f: () => Promise<void>) => {
    if (o.faults?.(node)?.neverReturns) return void log(`node agent: ${node} never comes back (faults.nodes.${node}.neverReturns)`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      f().catch((e: unknown) => log(`node agent: ${errorMessage(e)}`));
    }, ms);
    timers.add(timer);
  };

  /** The kubelet goes down: no heartbeats, and nobody runs, readies or finishes the node's pods. */
  async function down(node: Node, action: NodeAction, message: string, podsDie: boolean): Promise<void> {
    const name = node.metadata.name;
    await setAnnotations(name, { [KUBELET_STOPPED_ANNOTATION]: action.id, [ACTION_STATUS_ANNOTATION]: status({ id: action.id, phase: 'running', message }) });
    if (!podsDie) return;
    const pods = await podsOn(name);
    await mapLimit(pods, PARALLEL_POD_WRITES, (p) => api('PATCH', podPath(p), { contentType: MERGE, json: { metadata: { annotations: { [KUBELET_STOPPED_ANNOTATION]: action.id } } } }, [404]));
  }

  /** The kubelet is back: the pods it lost are deleted, it posts Ready (a new bootID after a reboot), then answers done. */
  async function up(name: string, action: NodeAction, reboot: boolean): Promise<void> {
    if (reboot) {
      const pods = await podsOn(name);
      await mapLimit(pods, PARALLEL_POD_WRITES, (p) => api('DELETE', `${podPath(p)}?gracePeriodSeconds=0`, undefined, [404]));
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = (type: string, value: string, reason: string, message: string) => ({ type, status: value, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    const nodeInfo: Record<string, string> = {};
    if (reboot) nodeInfo.bootID = randomUUID();
    if (action.operation === 'upgrade' && action.version) Object.assign(nodeInfo, { kubeletVersion: action.version, kubeProxyVersion: action.version });
    const conditions = [
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ];
    await api('PATCH', `/api/v1/nodes/${name}/status`, { contentType: STRATEGIC, json: { status: { conditions, nodeInfo } } });
    const message = reboot ? `rebooted, boot id ${nodeInfo.bootID}` : `kubelet upgraded to ${action.version}`;
    await setAnnotations(name, { [KUBELET_STOPPED_ANNOTATION]: null, [ACTION_STATUS_ANNOTATION]: status({ id: action.id, phase: 'done', message }) });
    log(`node agent: ${name} ${message}`);
  }

  async function carryOut(node: Node, action: NodeAction): Promise<void> {
    const name = node.metadata.name;
    if (action.operation === 'reboot' || action.operation === 'patch') {
      await down(node, action, action.operation === 'patch' ? 'installing patches, then rebooting' : 'rebooting', true);
      later(name, numberAnnotation(node, NODE_TIMING.rebootSeconds, 120) * 1000, () => up(name, action, true));
    } else if (action.operation === 'upgrade') {
      if (!isExactVersion(action.version)) {
        await setAnnotations(name, { [ACTION_STATUS_ANNOTATION]: status({ id: action.id, phase: 'failed', message: `upgrade needs "version" like "v1.31.2", got ${JSON.stringify(action.version)}` }) });
        return;
      }
      // A kubelet restart: the node goes quiet, its containers keep running.
      await down(node, action, `upgrading the kubelet to ${action.version}`, false);
      later(name, numberAnnotation(node, NODE_TIMING.upgradeSeconds, 60) * 1000, () => up(name, action, false));
    } else {
      await setAnnotations(name, { [ACTION_STATUS_ANNOTATION]: status({ id: action.id, phase: 'failed', message: `unknown operation "${action.operation}"; use reboot, patch or upgrade` }) });
    }
  }

  function consider(node: Node): void {
    const name = node.metadata.name;
    const action = readAction(node);
    if (!action) return;
    if ('error' in action) {
      if (taken.get(name) === action.raw) return;
      taken.set(name, action.raw);
      setAnnotations(name, { [ACTION_STATUS_ANNOTATION]: status({ id: '', phase: 'failed', message: `${action.error}: ${action.raw}` }) }).catch((e: unknown) => log(`node agent: ${errorMessage(e)}`));
      return;
    }
    if (taken.get(name) === action.id || readActionStatus(node)?.id === action.id) return;
    taken.set(name, action.id);
    if (o.faults?.(name)?.failActions) {
      setAnnotations(name, { [ACTION_STATUS_ANNOTATION]: status({ id: action.id, phase: 'failed', message: 'the node agent failed (simulated fault)' }) }).catch((e: unknown) => log(`node agent: ${errorMessage(e)}`));
      return;
    }
    carryOut(node, action).catch((e: unknown) => {
      log(`node agent: ${name} action ${action.id} failed: ${errorMessage(e)}`);
      setAnnotations(name, { [ACTION_STATUS_ANNOTATION]: status({ id: action.id, phase: 'failed', message: errorMessage(e) }) }).catch(() => {});
    });
  }

  /** List, then watch from the list's resourceVersion; relist with backoff whenever the watch ends. */
  async function run(): Promise<void> {
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      try {
        const list = JSON.parse((await api('GET', '/api/v1/nodes')).body) as { metadata: { resourceVersion: string }; items: Node[] };
        list.items.forEach(consider);
        const onEvent = (e: WatchEvent) => {
          if (e.type === 'ADDED' || e.type === 'MODIFIED') consider(e.object as unknown as Node);
        };
        await watchOnce(o.target, `/api/v1/nodes?watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`, onEvent, abort.signal);
      } catch (e: unknown) {
        if (isAbortError(e) || abort.signal.aborted) return;
        log(`node agent: ${errorMessage(e)}; listing the nodes again`);
      }
      await systemClock.sleep(backoffDelay(RELIST, attempt % 4), abort.signal).catch(() => {});
    }
  }

  const loop = run();
  return {
    async stop() {
      abort.abort();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await loop;
    },
  };
}
