// The agent's chart (charts/daylight-agent) rendered by Helm built from lab/helm, and judged by the real API
// server of the kubernetes engine: every object it renders is accepted, the DaemonSet runs on every node
// (a tainted one too), and the admission policy holds an agent's pod-bound token to its own Node and to
// what it answers in there, while the real `daylight agent` process still publishes through it. One
// sandbox of one region and four nodes for the whole file, and no workload but the DaemonSet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '../../src/cli/args.ts';
import { AGENT_OPTIONS, agentSettings } from '../../src/cli/agent.ts';
import { kubeconfigYamlPerRegion } from '../../src/sandbox/kubeconfig.ts';
import { AGENT_MANIFEST_PATH, AGENT_NAMESPACE, agentManifest, helmTemplate, labHelm } from '../../scripts/chart-render.ts';
import { ok } from '../e2e/helpers.ts';
import { START_TIMEOUT_MS, startEngineSandbox, waitMs } from '../support/engine-sandbox.ts';
import type { EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';
import { documents, dryRunLine, podOf } from '../support/manifests.ts';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const REGION = 'eu-central';
const SA = 'daylight-agent';
const POLICY = 'daylight-agent-own-node';
/** Three workers, one per zone, and the control-plane node (tainted NoSchedule by the fleet). */
const FLEET = () => smallFleet({ workloads: [], nodesPerRack: 1 });
const NODE_A = 'eu-central-a-r1-n1';
const NODE_B = 'eu-central-b-r1-n1';
/** A worker the test taints, beside the control-plane node the fleet taints. */
const TAINTED = 'eu-central-c-r1-n1';
const PATCH_COMMAND = ['nsenter', '--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--', 'unattended-upgrade', '-v'];

interface PodSpec {
  hostPID?: boolean;
  tolerations?: unknown[];
  containers: { command?: string[]; args?: string[]; securityContext?: Record<string, unknown> }[];
}

function daemonSetPod(yaml: string): PodSpec {
  return podOf<PodSpec>(yaml, 'DaemonSet');
}

interface Answer {
  readonly status: number;
  readonly message: string;
}

/** One PATCH of a Node (or its status) as the holder of `token`, with the API server's answer. */
function patchNode(sandbox: EngineSandbox, token: string, node: string, body: unknown, o: { status?: boolean; type?: 'merge' | 'strategic' } = {}): Promise<Answer> {
  const server = sandbox.target(REGION);
  const contentType = o.type === 'strategic' ? 'application/strategic-merge-patch+json' : 'application/merge-patch+json';
  return new Promise<Answer>((resolve, reject) => {
    const req = request(`${server.url}/api/v1/nodes/${node}${o.status ? '/status' : ''}`, { method: 'PATCH', ca: server.caPem, headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind?: string; message?: string };
        resolve({ status: res.statusCode ?? 0, message: parsed.kind === 'Status' ? (parsed.message ?? '') : '' });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const rebootRequiredCondition = (status: 'True' | 'False') => ({ type: 'daylight.dev/RebootRequired', status, reason: status === 'True' ? 'RebootRequired' : 'NoRebootRequired', message: 'set by the test' });

/** The three writes the agent makes on a Node: its answer, its label and its condition. */
const AGENT_WRITES = [
  { what: 'the annotation daylight.dev/action-status', body: { metadata: { annotations: { 'daylight.dev/action-status': '{"id":"run-1/n/1","phase":"done"}' } } } },
  { what: 'the label daylight.dev/reboot-required', body: { metadata: { labels: { 'daylight.dev/reboot-required': 'true' } } } },
  { what: 'the condition daylight.dev/RebootRequired', body: { status: { conditions: [rebootRequiredCondition('True')] } }, status: true, type: 'strategic' as const },
];

/** Denied by the policy: 403 Forbidden, or 422 Invalid for a value it refuses, with the policy's message. */
function assertDenied(answer: Answer, message: RegExp, what: string, status = 403): void {
  assert.equal(answer.status, status, `${what}: expected ${status}, got ${answer.status} ${answer.message}`);
  assert.match(answer.message, new RegExp(`ValidatingAdmissionPolicy '${POLICY}' with binding '${POLICY}' denied request: ${message.source}`), what);
}

interface NodeJson {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { unschedulable?: boolean };
  status: { conditions: { type: string; status: string }[] };
}

describe('charts/daylight-agent', () => {
  let helm: string;
  before(async () => {
    helm = await labHelm();
  }, { timeout: START_TIMEOUT_MS });

  test('deploy/daylight-agent.yaml is the chart rendered with its default values, as npm run chart:render writes it', async () => {
    // Given the committed manifest for kubectl apply
    const committed = await readFile(AGENT_MANIFEST_PATH, 'utf8');
    // When the chart is rendered again by Helm
    const fresh = agentManifest(await helmTemplate(helm));
    // Then they are the same file: the manifest cannot drift from the chart
    assert.equal(committed, fresh, 'deploy/daylight-agent.yaml differs from the chart: run npm run chart:render');
  });

  describe('on the kubernetes engine', () => {
    let sandbox: EngineSandbox;
    let dir: string;
    before(async () => {
      sandbox = await startEngineSandbox(FLEET(), { engine: 'kubernetes' });
      dir = await mkdtemp(join(tmpdir(), 'daylight-agent-chart-'));
      // The namespace as deploy/daylight-agent.yaml makes it: a server dry run creates nothing, so it is there first
      ok(await sandbox.kubectl(['apply', '-f', '-'], { input: documents(await readFile(AGENT_MANIFEST_PATH, 'utf8')).filter((d) => d.kind === 'Namespace').map((d) => JSON.stringify(d)).join('\n') }), 'create the namespace');
    }, { timeout: START_TIMEOUT_MS });
    after(async () => {
      await sandbox?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('the API server accepts every object the chart renders, with the default values and with reboot by command and a patch command', async (t) => {
      for (const variant of [
        { name: 'default values', set: [], setJson: [] },
        { name: 'rebootMethod=command and a patch command', set: ['rebootMethod=command'], setJson: [`patchCommand=${JSON.stringify(PATCH_COMMAND)}`] },
      ]) {
        // Given the chart rendered by Helm
        const rendered = await helmTemplate(helm, variant);
        const objects = documents(rendered);
        assert.deepEqual(objects.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Role', 'RoleBinding', 'ServiceAccount', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
        // When the real API server validates it, admission included, without storing it
        const out = ok(await sandbox.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered }), `dry run of ${variant.name}`);
        t.diagnostic(`${variant.name}:\n${out.trim()}`);
        // Then every object is accepted, one line each
        assert.deepEqual(out.trim().split('\n').sort(), objects.map(dryRunLine).sort());
      }
    });

    test('the pod runs with the privileges its reboot method needs, and `daylight agent` accepts the arguments it is given', async () => {
      // Given reboot by signal (the default): root with KILL alone, nothing privileged
      const signal = daemonSetPod(await helmTemplate(helm));
      assert.equal(signal.hostPID, true);
      assert.deepEqual(signal.tolerations, [{ operator: 'Exists' }]);
      assert.deepEqual(signal.containers[0]?.securityContext, { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['KILL'] }, seccompProfile: { type: 'RuntimeDefault' } });
      // Given reboot by command and a patch command, which run nsenter: privileged
      const command = daemonSetPod(await helmTemplate(helm, { set: ['rebootMethod=command'], setJson: [`patchCommand=${JSON.stringify(PATCH_COMMAND)}`] }));
      assert.equal(command.containers[0]?.securityContext?.privileged, true);
      // And the agent parses the rendered arguments into what the values said
      const s = agentSettings(parse('agent', command.containers[0]?.args ?? [], AGENT_OPTIONS), { NODE_NAME: NODE_A, KUBERNETES_SERVICE_HOST: '10.96.0.1' });
      assert.deepEqual(s.host, { reboot: { method: 'command' }, patchCommand: PATCH_COMMAND, sentinelFile: '/host/var/run/reboot-required' });
      // And a patch command alone, with reboot by signal, makes it privileged too
      const patchOnly = daemonSetPod(await helmTemplate(helm, { setJson: [`patchCommand=${JSON.stringify(PATCH_COMMAND)}`] }));
      assert.equal(patchOnly.containers[0]?.securityContext?.privileged, true);
    });

    test('applied with kubectl, the DaemonSet runs one agent Running on every node of the region, tainted ones included', async () => {
      // Given a worker tainted NoSchedule, beside the control-plane node the fleet taints
      ok(await sandbox.kubectl(['taint', 'nodes', TAINTED, 'example.com/dedicated=db:NoSchedule']), 'taint');
      const nodes = ok(await sandbox.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']), 'get nodes').trim().split(' ').sort();
      assert.equal(nodes.length, 4);
      // When the manifest is applied for real
      ok(await sandbox.kubectl(['apply', '-f', AGENT_MANIFEST_PATH]), 'apply');
      // Then one agent pod runs on each node
      const running = async () => {
        const pods = JSON.parse(ok(await sandbox.kubectl(['get', 'pods', '-n', AGENT_NAMESPACE, '-l', 'app.kubernetes.io/name=daylight-agent', '-o', 'json']), 'get pods')) as { items: { spec: { nodeName?: string }; status: { phase?: string } }[] };
        return pods.items.filter((p) => p.status.phase === 'Running').map((p) => p.spec.nodeName ?? '').sort();
      };
      await sandbox.until('an agent runs on every node', async () => (await running()).length === nodes.length, waitMs('kubernetes'));
      assert.deepEqual(await running(), nodes);
      const ds = JSON.parse(ok(await sandbox.kubectl(['get', 'daemonset', SA, '-n', AGENT_NAMESPACE, '-o', 'json']), 'get ds')) as { status: { desiredNumberScheduled: number } };
      assert.equal(ds.status.desiredNumberScheduled, 4);
    });

    describe("the admission policy: an agent's token changes only its own Node, and there only its answer, label and condition", () => {
      let podToken: string;
      let plainToken: string;
      let agentKubeconfig: string;
      before(async () => {
        // The agent pod on node A, applied by the test before (this file's tests run in order)
        const pod = ok(await sandbox.kubectl(['get', 'pods', '-n', AGENT_NAMESPACE, '--field-selector', `spec.nodeName=${NODE_A}`, '-o', 'jsonpath={.items[0].metadata.name}']), 'agent pod on A').trim();
        assert.ok(pod, `an agent pod on ${NODE_A}`);
        // A token as the kubelet gives the pod: bound to it, and through it to its node
        podToken = ok(await sandbox.kubectl(['create', 'token', SA, '-n', AGENT_NAMESPACE, '--bound-object-kind', 'Pod', '--bound-object-name', pod]), 'create token').trim();
        plainToken = ok(await sandbox.kubectl(['create', 'token', SA, '-n', AGENT_NAMESPACE]), 'create plain token').trim();
        const server = sandbox.target(REGION);
        agentKubeconfig = join(dir, 'agent.kubeconfig');
        await writeFile(agentKubeconfig, kubeconfigYamlPerRegion([{ name: REGION, server: server.url, caPem: server.caPem, token: podToken }]), { mode: 0o600 });
      });

      test('the pod-bound token names the pod\'s node, RBAC alone would let it patch any Node, and Events go to default only', async () => {
        const claims = JSON.parse(Buffer.from(podToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string; 'kubernetes.io': { node?: { name: string } } };
        assert.equal(claims.sub, `system:serviceaccount:${AGENT_NAMESPACE}:${SA}`);
        assert.equal(claims['kubernetes.io'].node?.name, NODE_A);
        // The API server reads it into the user's extra, where the policy looks
        const whoami = ok(await sandbox.kubectl(['--kubeconfig', agentKubeconfig, 'auth', 'whoami', '-o', 'json']), 'whoami');
        assert.deepEqual((JSON.parse(whoami) as { status: { userInfo: { extra: Record<string, string[]> } } }).status.userInfo.extra['authentication.kubernetes.io/node-name'], [NODE_A]);
        // RBAC cannot name "its own node": it answers yes for node B, and only the policy says no (below)
        assert.equal(ok(await sandbox.kubectl(['--kubeconfig', agentKubeconfig, 'auth', 'can-i', 'patch', `nodes/${NODE_B}`]), 'can-i').trim(), 'yes');
        // And it may record Events where the kubelet records a Node's, and nowhere else
        assert.equal(ok(await sandbox.kubectl(['--kubeconfig', agentKubeconfig, 'auth', 'can-i', 'create', 'events.events.k8s.io', '-n', 'default']), 'can-i events').trim(), 'yes');
        assert.equal((await sandbox.kubectl(['--kubeconfig', agentKubeconfig, 'auth', 'can-i', 'create', 'events', '-n', 'kube-system'])).stdout.trim(), 'no');
        const noName = JSON.parse(Buffer.from(plainToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { 'kubernetes.io': { node?: unknown } };
        assert.equal(noName['kubernetes.io'].node, undefined);
      });

      test('on its own node A it may write its answer, its label and its condition', async () => {
        for (const w of AGENT_WRITES) {
          const answer = await patchNode(sandbox, podToken, NODE_A, w.body, w);
          assert.equal(answer.status, 200, `${w.what} on ${NODE_A}: ${answer.message}`);
        }
        // And kubectl shows them on node A
        const a = JSON.parse(ok(await sandbox.kubectl(['get', 'node', NODE_A, '-o', 'json']), 'get node')) as NodeJson;
        assert.equal(a.metadata.labels?.['daylight.dev/reboot-required'], 'true');
        assert.equal(a.metadata.annotations?.['daylight.dev/action-status'], '{"id":"run-1/n/1","phase":"done"}');
        assert.equal(a.status.conditions.find((c) => c.type === 'daylight.dev/RebootRequired')?.status, 'True');
      });

      test('on another node B the same writes are denied by the policy, naming both nodes', async () => {
        for (const w of AGENT_WRITES) {
          assertDenied(await patchNode(sandbox, podToken, NODE_B, w.body, w), new RegExp(`the agent on node ${NODE_A} may change only its own Node, not ${NODE_B}`), `${w.what} on ${NODE_B}`);
        }
        // And node B carries none of them
        const b = JSON.parse(ok(await sandbox.kubectl(['get', 'node', NODE_B, '-o', 'json']), 'get node')) as NodeJson;
        assert.equal(b.metadata.labels?.['daylight.dev/reboot-required'], undefined);
        assert.equal(b.metadata.annotations?.['daylight.dev/action-status'], undefined);
        assert.equal(b.status.conditions.find((c) => c.type === 'daylight.dev/RebootRequired'), undefined);
      });

      test('on node A, anything else is denied: its spec, another label, another annotation (its own orders), another condition, its capacity', async () => {
        const denied: { what: string; body: unknown; status?: boolean; type?: 'strategic'; message: RegExp; code?: number }[] = [
          { what: 'cordon (spec.unschedulable)', body: { spec: { unschedulable: true } }, message: /the agent may not change the Node's spec/ },
          { what: 'a taint', body: { spec: { taints: [{ key: 'example.com/x', effect: 'NoSchedule' }] } }, message: /the agent may not change the Node's spec/ },
          { what: 'another label', body: { metadata: { labels: { 'example.com/role': 'db' } } }, message: /the agent may change only the label daylight\.dev\/reboot-required, not example\.com\/role/ },
          { what: 'the label reboot-required set to neither true nor false', body: { metadata: { labels: { 'daylight.dev/reboot-required': 'maybe' } } }, message: /the label daylight\.dev\/reboot-required is true or false/, code: 422 },
          { what: 'the annotation daylight.dev/action', body: { metadata: { annotations: { 'daylight.dev/action': '{"id":"x/y/1","operation":"reboot"}' } } }, message: /the agent may change only the annotation daylight\.dev\/action-status, not daylight\.dev\/action$/ },
          { what: 'the Ready condition', body: { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Test', message: 'set by the test' }] } }, status: true, type: 'strategic', message: /the agent may change only the condition daylight\.dev\/RebootRequired, not Ready$/ },
          { what: 'the capacity in status', body: { status: { capacity: { cpu: '64' } } }, status: true, message: /the agent may change in the Node's status only its condition daylight\.dev\/RebootRequired/ },
          { what: 'a label through the status subresource', body: { metadata: { labels: { 'example.com/role': 'db' } } }, status: true, message: /the agent may change only the label daylight\.dev\/reboot-required, not example\.com\/role/ },
        ];
        for (const d of denied) assertDenied(await patchNode(sandbox, podToken, NODE_A, d.body, d), d.message, d.what, d.code);
        // And kubectl's own cordon, as the agent's token, is refused the same way (kubectl says so on stderr; its exit code stays 0)
        const cordon = await sandbox.kubectl(['--kubeconfig', agentKubeconfig, 'cordon', NODE_A]);
        assert.match(cordon.stderr, /unable to cordon node/);
        assert.match(cordon.stderr, new RegExp(`ValidatingAdmissionPolicy '${POLICY}'.*may not change the Node's spec`));
        // Node A is as it was: schedulable, without the label, the annotation or a changed Ready
        const a = JSON.parse(ok(await sandbox.kubectl(['get', 'node', NODE_A, '-o', 'json']), 'get node')) as NodeJson;
        assert.equal(a.spec.unschedulable, undefined);
        assert.equal(a.metadata.labels?.['example.com/role'], undefined);
        assert.equal(a.metadata.annotations?.['daylight.dev/action'], undefined);
        assert.equal(a.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
      });

      test('a token not bound to a pod names no node, and every Node write with it is denied', async () => {
        for (const node of [NODE_A, NODE_B]) {
          for (const w of AGENT_WRITES) assertDenied(await patchNode(sandbox, plainToken, node, w.body, w), /this token names no node/, `${w.what} on ${node} with a plain token`);
        }
      });

      test('the real `daylight agent` with the pod-bound token publishes its label and condition through the policy', async () => {
        // Given node A labelled reboot-required=true (above), and a host without the sentinel file
        const sentinel = join(dir, 'reboot-required');
        const child = spawn(process.execPath, [ENTRY, 'agent', '--kubeconfig', agentKubeconfig, '--node', NODE_A, '--sentinel-file', sentinel, '--sentinel-period', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
        const node = async () => JSON.parse(ok(await sandbox.kubectl(['get', 'node', NODE_A, '-o', 'json']), 'get node')) as NodeJson;
        const published = async (value: 'true' | 'false') => {
          const n = await node();
          return n.metadata.labels?.['daylight.dev/reboot-required'] === value && n.status.conditions.find((c) => c.type === 'daylight.dev/RebootRequired')?.status === (value === 'true' ? 'True' : 'False');
        };
        try {
          // When the agent starts, it publishes that no reboot is needed: the label and the condition
          await sandbox.until('the agent publishes reboot-required=false', () => published('false'), waitMs('kubernetes'));
          // And when the host's sentinel appears, it publishes that one is
          await writeFile(sentinel, '');
          await sandbox.until('the agent publishes reboot-required=true', () => published('true'), waitMs('kubernetes'));
        } finally {
          child.kill('SIGTERM');
        }
        assert.equal(await exited, 0, stderr);
        // And none of its writes was refused
        assert.doesNotMatch(stderr, /forbidden|denied|ValidatingAdmissionPolicy/i, stderr);
      });
    });
  });
});
