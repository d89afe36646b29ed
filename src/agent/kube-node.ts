// The agent's own Node through the Kubernetes API: read it, answer in `daylight.dev/action-status`, publish
// reboot-required as a label a plan can select on and a condition, and learn of changes through one watch
// of this Node alone (fieldSelector metadata.name), never by polling; and record Events about it. It
// touches only its own Node, and only those fields: what the agent's ServiceAccount and admission policy allow.
import { PatchStrategy } from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import { ANNOTATIONS } from '../engine/ports/cluster-views.ts';
import { errorMessage } from '../lib/errors.ts';
import type { KubeApi } from '../kube/api.ts';
import { recordNodeEvent } from '../kube/events.ts';
import { systemClock } from '../lib/clock.ts';
import type { OwnNodePort } from './agent.ts';
import type { AgentStatus } from './decide.ts';

export const REBOOT_REQUIRED_LABEL = 'daylight.dev/reboot-required';
export const REBOOT_REQUIRED_CONDITION = 'daylight.dev/RebootRequired';

export interface KubeOwnNode extends OwnNodePort {
  /** Ends the watch. */
  close(): void;
}

export function kubeOwnNode(api: KubeApi, name: string, o: { readonly log?: (line: string) => void } = {}): KubeOwnNode {
  let waiters: (() => void)[] = [];
  let watch: AbortController | undefined;
  let closed = false;
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const startWatch = async () => {
    if (watch || closed) return;
    try {
      watch = await api.watch('/api/v1/nodes', { fieldSelector: `metadata.name=${name}` }, () => wake(), (err) => {
        watch = undefined;
        if (err && !closed) o.log?.(`node agent: the watch of node ${name} ended: ${errorMessage(err)}`);
        wake(); // a reader looks again, and the next wait starts a new watch
      });
    } catch (e: unknown) {
      watch = undefined;
      o.log?.(`node agent: cannot watch node ${name}: ${errorMessage(e)}`);
    }
  };
  let uid: string | undefined;
  const patch = (what: string, body: unknown, signal?: AbortSignal) =>
    api.call(`${what} on node ${name}`, (opts) => api.core.patchNode({ name, body }, opts), { signal, contentType: PatchStrategy.MergePatch });

  return {
    async read(signal) {
      const n: V1Node = await api.call(`read node ${name}`, (opts) => api.core.readNode({ name }, opts), { signal });
      uid = n.metadata?.uid;
      const annotations = n.metadata?.annotations ?? {};
      return {
        action: annotations[ANNOTATIONS.action],
        status: annotations[ANNOTATIONS.actionStatus],
        bootId: n.status?.nodeInfo?.bootID ?? '',
        kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '',
      };
    },
    async writeStatus(status: AgentStatus, signal) {
      await patch('answer the action', { metadata: { annotations: { [ANNOTATIONS.actionStatus]: JSON.stringify(status) } } }, signal);
    },
    async publishRebootRequired(required, signal) {
      await patch('publish reboot-required', { metadata: { labels: { [REBOOT_REQUIRED_LABEL]: String(required) } } }, signal);
      const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const condition = {
        type: REBOOT_REQUIRED_CONDITION,
        status: required ? 'True' : 'False',
        reason: required ? 'RebootRequired' : 'NoRebootRequired',
        message: required ? 'the host says it needs a reboot' : 'the host needs no reboot',
        lastHeartbeatTime: at,
        lastTransitionTime: at,
      };
      // Conditions merge by type under a strategic merge patch: the kubelet's own are left as they are
      await api.call(`publish reboot-required on node ${name}`, (opts) => api.core.patchNodeStatus({ name, body: { status: { conditions: [condition] } } }, opts), { signal, contentType: PatchStrategy.StrategicMergePatch });
    },
    async changed(ms, signal) {
      // Waiting before the watch starts: its first event (the node as it is) may come as soon as it connects
      const waited = new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
      await startWatch();
      await waited;
    },
    async event(e, signal) {
      if (uid === undefined) await this.read(signal);
      // Reported from its node by the agent, as the kubelet reports its own (core/v1, in `default`, beside Daylight's)
      await recordNodeEvent({ api, clock: systemClock }, { name, uid: uid ?? '' }, e, signal, { component: 'daylight-agent', instance: name });
    },
    close() {
      closed = true;
      watch?.abort();
      wake();
    },
  };
}
