// The node agent protocol (DESIGN.md section 6) on the kubernetes engine, carried out as a kubelet lives
// through it: on a reboot its heartbeats stop (the real node-lifecycle controller marks the node Unknown
// after its grace period), its pods stay with their last status, and when it comes back they are gone, the
// node posts Ready with a new bootID and the agent answers done. One agent per region, as kwok's identity.
import { backoffDelay } from '../../lib/backoff.ts';
import { systemClock } from '../../lib/clock.ts';
import { isExactVersion } from '../../lib/kube-version.ts';
import { errorMessage, isAbortError } from '../../lib/errors.ts';
import type { Node } from '../k8s-types.ts';
import { NODE_TIMING } from '../sim/node-actions.ts';
import type { NodeFault } from '../sim/context.ts';
import type { NodeAction, NodeActionStatus } from '../sim/node-status.ts';
import { ACTION_STATUS_ANNOTATION, readAction, readActionStatus } from '../sim/node-status.ts';
import { numberAnnotation } from '../sim/objects.ts';
import type { ApiTarget } from './api-create.ts';
import { apiCallOk, watchOnce } from './api-request.ts';
import type { WatchEvent } from './api-request.ts';
import { labKubelet } from './lab-kubelet.ts';

const MERGE = 'application/merge-patch+json';
const RELIST = { baseMs: 500, capMs: 5000 };

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

  const later = (node: string, ms: number, f: () => Promise<void>) => {
    if (o.faults?.(node)?.neverReturns) return void log(`node agent: ${node} never comes back (faults.nodes.${node}.neverReturns)`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      f().catch((e: unknown) => log(`node agent: ${errorMessage(e)}`));
    }, ms);
    timers.add(timer);
  };

  const kubelet = labKubelet(o.target);
  const statusOf = (action: NodeAction, phase: NodeActionStatus['phase'], message: string) => ({ [ACTION_STATUS_ANNOTATION]: status({ id: action.id, phase, message }) });

  /** The kubelet goes down: no heartbeats, and nobody runs, readies or finishes the node's pods. */
  const down = (node: Node, action: NodeAction, message: string, podsDie: boolean) => kubelet.down(node.metadata.name, action.id, podsDie, statusOf(action, 'running', message));

  /** The kubelet is back: the pods it lost are deleted, it posts Ready (a new bootID after a reboot), then answers done. */
  async function up(name: string, action: NodeAction, reboot: boolean): Promise<void> {
    const upgraded = action.operation === 'upgrade' && action.version ? action.version : undefined;
    const message = (bootId: string | undefined) => (reboot ? `rebooted, boot id ${bootId ?? '?'}` : `kubelet upgraded to ${action.version}`);
    const bootId = await kubelet.up(name, { reboot, kubeletVersion: upgraded, annotations: (id) => statusOf(action, 'done', message(id)) });
    log(`node agent: ${name} ${message(bootId)}`);
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
