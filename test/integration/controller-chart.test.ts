// The controller's chart (charts/daylight) rendered by Helm built from lab/helm, and judged by the real API
// server of the kubernetes engine: the CRDs are established, every other object it renders is accepted, the
// two replicas run on different nodes with their budget, RBAC gives the ServiceAccount what the
// controller's code calls and nothing beside, and that is enough: the real `daylight controller` with the
// ServiceAccount's token drives a MaintenanceRun through a roll of every worker to Succeeded; and the admission
// policy lets an approval by annotation be written only in its writer's name. One sandbox of one region,
// three workers in three zones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { kubeconfigYamlPerRegion } from '../../src/sandbox/kubeconfig.ts';
import { CONTROLLER_CHART, CONTROLLER_MANIFEST_PATH, CONTROLLER_NAMESPACE, controllerManifest, helmTemplate, labHelm } from '../../scripts/chart-render.ts';
import { CHART_CRD_DIR, crdFiles } from '../../scripts/crd-render.ts';
import { ok } from '../e2e/helpers.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';
import { REGION, rollPlanYaml } from './roll/fixtures.ts';
import { START_TIMEOUT_MS, startEngineSandbox, waitMs } from '../support/engine-sandbox.ts';
import type { EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';
import { documents, dryRunLine, podOf } from '../support/manifests.ts';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
/** Three workers, one per zone, and the control-plane node (tainted NoSchedule by the fleet); a reboot takes 6 s. */
const FLEET = () => smallFleet({ workloads: [], nodesPerRack: 1, rebootSeconds: 6 });
/** How long a rebooting node's kubelet may be silent before the node-lifecycle controller marks it: the roll's tests' 10 s. */
const GRACE_SECONDS = 10;
const SA = `system:serviceaccount:${CONTROLLER_NAMESPACE}:daylight`;
const MEMBERS = { set: ['context=management', 'service.enabled=false'], setJson: ['members=[{"name":"eu-west","kubeconfigSecret":"daylight-member-eu-west"},{"name":"us-east","kubeconfigSecret":"daylight-member-us-east","key":"config"}]'] };

interface PodSpec {
  securityContext?: Record<string, unknown>;
  volumes?: unknown[];
  containers: { args?: string[]; env?: { name: string; value?: string }[]; securityContext?: Record<string, unknown>; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[];
}

function deploymentPod(yaml: string): PodSpec {
  return podOf<PodSpec>(yaml, 'Deployment');
}

describe('charts/daylight', () => {
  let helm: string;
  before(async () => {
    helm = await labHelm();
  }, { timeout: START_TIMEOUT_MS });

  test('deploy/daylight.yaml is the chart rendered with its default values and its CRDs, as npm run chart:render writes it', async () => {
    // Given the committed manifest for kubectl apply
    const committed = await readFile(CONTROLLER_MANIFEST_PATH, 'utf8');
    // When the chart is rendered again by Helm
    const fresh = controllerManifest(await helmTemplate(helm, { chart: { ...CONTROLLER_CHART, includeCrds: true } }));
    // Then they are the same file: the manifest cannot drift from the chart
    assert.equal(committed, fresh, 'deploy/daylight.yaml differs from the chart: run npm run chart:render');
    // And it holds the namespace, then both CRDs, before anything that needs them
    assert.deepEqual(documents(committed).slice(0, 3).map((d) => `${d.kind}/${d.metadata.name}`), ['Namespace/daylight-system', ...crdFiles().map((f) => `CustomResourceDefinition/${f.crd.metadata.name}`)]);
  });

  test('the pod runs as no root, read-only, without capabilities; members are mounted read-only and read through KUBECONFIG', async () => {
    // Given the default values
    const pod = deploymentPod(await helmTemplate(helm, { chart: CONTROLLER_CHART }));
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(pod.containers[0]?.securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    // And every replica serves the dashboard and /metrics on 8080, behind the token of an optional Secret (a missing one leaves the controller up, its dashboard closed)
    assert.deepEqual(pod.containers[0]?.args, ['--namespace', CONTROLLER_NAMESPACE, '--kubeconfig', 'in-cluster', '--listen', '0.0.0.0:8080', '--token-file', '/etc/daylight/dashboard/token']);
    assert.deepEqual(pod.containers[0]?.volumeMounts, [{ name: 'dashboard-token', mountPath: '/etc/daylight/dashboard', readOnly: true }]);
    // And no emptyDir, which a drain refuses to lose without deleteEmptyDirData: the pod moves like any stateless one
    assert.deepEqual(pod.volumes, [{ name: 'dashboard-token', secret: { secretName: 'daylight-dashboard', optional: true, defaultMode: 0o440, items: [{ key: 'token', path: 'token' }] } }]);
    // Given two member clusters' kubeconfig Secrets
    const members = deploymentPod(await helmTemplate(helm, { chart: CONTROLLER_CHART, ...MEMBERS }));
    const c = members.containers[0];
    // Then each is mounted read-only, the controller reads them together and reaches its own cluster by the context named
    assert.deepEqual(c?.volumeMounts?.filter((m) => m.name.startsWith('member-')), [
      { name: 'member-eu-west', mountPath: '/etc/daylight/members/eu-west', readOnly: true },
      { name: 'member-us-east', mountPath: '/etc/daylight/members/us-east', readOnly: true },
    ]);
    assert.equal(c?.env?.find((e) => e.name === 'KUBECONFIG')?.value, '/etc/daylight/members/eu-west/kubeconfig:/etc/daylight/members/us-east/config');
    assert.deepEqual(c?.args, ['--namespace', CONTROLLER_NAMESPACE, '--context', 'management']);
    // And members without the context of the controller's own cluster are refused, saying what to set
    await assert.rejects(helmTemplate(helm, { chart: CONTROLLER_CHART, setJson: MEMBERS.setJson }), /members: set context to the context/);
  });

  test('service.controls: the dashboard steers runs (its Role may patch a MaintenanceRun, the policy lets it answer as "dashboard"); false: read-only, neither', async () => {
    const rendered = async (set: string[]) => {
      const objects = documents(await helmTemplate(helm, { chart: CONTROLLER_CHART, set }));
      const role = objects.find((d) => d.kind === 'Role') as { rules: { resources: string[]; verbs: string[] }[] } | undefined;
      const policy = objects.find((d) => d.kind === 'ValidatingAdmissionPolicy') as { spec: { variables: { name: string; expression: string }[] } } | undefined;
      return {
        verbs: role?.rules.find((r) => r.resources.includes('maintenanceruns'))?.verbs,
        dashboard: policy?.spec.variables.find((v) => v.name === 'dashboard')?.expression.replace(/\s+/g, ' ').trim(),
        args: (objects.find((d) => d.kind === 'Deployment') as { spec: { template: { spec: PodSpec } } } | undefined)?.spec.template.spec.containers[0]?.args,
      };
    };
    const on = await rendered([]);
    assert.deepEqual(on.verbs, ['get', 'list', 'watch', 'create', 'patch']);
    assert.equal(on.dashboard, `variables.answerBy == 'dashboard' && request.userInfo.username == 'system:serviceaccount:${CONTROLLER_NAMESPACE}:daylight'`);
    assert.ok(!on.args?.includes('--read-only'));
    const off = await rendered(['service.controls=false']);
    assert.deepEqual(off.verbs, ['get', 'list', 'watch', 'create']);
    assert.equal(off.dashboard, 'false');
    assert.deepEqual(off.args?.slice(-1), ['--read-only']);
  });

  describe('on the kubernetes engine', () => {
    let sandbox: EngineSandbox;
    let dir: string;
    before(async () => {
      sandbox = await startEngineSandbox(FLEET(), { engine: 'kubernetes', nodeGracePeriodSeconds: GRACE_SECONDS });
      dir = await mkdtemp(join(tmpdir(), 'daylight-controller-chart-'));
      // The namespace as deploy/daylight.yaml makes it: a server dry run creates nothing, so it is there first
      ok(await sandbox.kubectl(['apply', '-f', '-'], { input: documents(await readFile(CONTROLLER_MANIFEST_PATH, 'utf8')).filter((d) => d.kind === 'Namespace').map((d) => JSON.stringify(d)).join('\n') }), 'create the namespace');
    }, { timeout: START_TIMEOUT_MS });
    after(async () => {
      await sandbox?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('the API server establishes the chart\'s CRDs and accepts every other object it renders, with the default values and with members', async (t) => {
      // Given the chart's crds/ applied for real, as helm install does before the templates
      ok(await sandbox.kubectl(['apply', '--server-side', '-f', CHART_CRD_DIR]), 'apply the CRDs');
      ok(await sandbox.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crdFiles().map((f) => `crd/${f.crd.metadata.name}`)]), 'wait until established');
      for (const variant of [
        { name: 'default values', set: [], setJson: [], service: true },
        { name: 'two members, no Service', ...MEMBERS, service: false },
      ]) {
        // Given the templates rendered by Helm
        const rendered = await helmTemplate(helm, { chart: CONTROLLER_CHART, ...variant });
        const objects = documents(rendered);
        const kinds = ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'RoleBinding', 'ServiceAccount', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];
        assert.deepEqual(objects.map((o) => o.kind).sort(), variant.service ? [...kinds, 'Service'].sort() : kinds);
        // When the real API server validates it, admission included, without storing it
        const out = ok(await sandbox.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered }), `dry run of ${variant.name}`);
        t.diagnostic(`${variant.name}:\n${out.trim()}`);
        // Then every object is accepted, one line each
        assert.deepEqual(out.trim().split('\n').sort(), objects.map(dryRunLine).sort());
      }
    });

    test('applied with kubectl, the Deployment runs its two replicas Running on two nodes of two zones, under a budget of one, at Pod Security\'s restricted level', async () => {
      // Given the namespace enforcing the restricted level: a pod that asks for more is not created
      ok(await sandbox.kubectl(['label', 'namespace', CONTROLLER_NAMESPACE, 'pod-security.kubernetes.io/enforce=restricted']), 'label the namespace');
      // When the manifest is applied for real
      ok(await sandbox.kubectl(['apply', '-f', CONTROLLER_MANIFEST_PATH]), 'apply');
      // (and the level is enforced: a pod with the defaults, root among them, is refused)
      const root = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root', namespace: CONTROLLER_NAMESPACE }, spec: { serviceAccountName: 'daylight', containers: [{ name: 'c', image: 'busybox' }] } };
      const refused = await sandbox.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(root) });
      assert.match(refused.stderr, /violates PodSecurity "restricted/, refused.stderr);
      // Then two pods run, each on its own node
      const zones = new Map((JSON.parse(ok(await sandbox.kubectl(['get', 'nodes', '-o', 'json']), 'get nodes')) as { items: { metadata: { name: string; labels: Record<string, string> } }[] }).items.map((n) => [n.metadata.name, n.metadata.labels['topology.kubernetes.io/zone'] ?? '']));
      const running = async () => {
        const pods = JSON.parse(ok(await sandbox.kubectl(['get', 'pods', '-n', CONTROLLER_NAMESPACE, '-l', 'app.kubernetes.io/name=daylight', '-o', 'json']), 'get pods')) as { items: { spec: { nodeName?: string }; status: { phase?: string } }[] };
        return pods.items.filter((p) => p.status.phase === 'Running').map((p) => p.spec.nodeName ?? '');
      };
      await sandbox.until('both replicas run', async () => (await running()).length === 2, waitMs('kubernetes'));
      const nodes = await running();
      assert.equal(new Set(nodes).size, 2, `two nodes: ${nodes.join(', ')}`);
      assert.equal(new Set(nodes.map((n) => zones.get(n))).size, 2, `two zones: ${nodes.map((n) => `${n} in ${zones.get(n)}`).join(', ')}`);
      // And the budget keeps one of them through a drain
      const pdb = JSON.parse(ok(await sandbox.kubectl(['get', 'pdb', 'daylight', '-n', CONTROLLER_NAMESPACE, '-o', 'json']), 'get pdb')) as { spec: { minAvailable: number }; status: { expectedPods?: number; disruptionsAllowed?: number } };
      assert.equal(pdb.spec.minAvailable, 1);
      await sandbox.until('the budget counts both replicas', async () => {
        const p = JSON.parse(ok(await sandbox.kubectl(['get', 'pdb', 'daylight', '-n', CONTROLLER_NAMESPACE, '-o', 'json']), 'get pdb')) as typeof pdb;
        return p.status.expectedPods === 2 && p.status.disruptionsAllowed === 1;
      }, waitMs('kubernetes'));
    });

    test('the ServiceAccount may do what the controller\'s code calls, and not more', async () => {
      // Given the ServiceAccount of the applied manifest, asked of the API server's authorizer
      const canI = async (...args: string[]) => {
        const r = await sandbox.kubectl(['auth', 'can-i', `--as=${SA}`, ...args]);
        assert.ok(r.stdout.trim() === 'yes' || r.stdout.trim() === 'no', `can-i ${args.join(' ')}: ${r.stdout} ${r.stderr}`);
        return r.stdout.trim();
      };
      const ns = ['-n', CONTROLLER_NAMESPACE];
      // Then it may do what the controller does in its namespace: plans and runs, the run's status, the journal and its key
      const allowed = [
        ['list', 'maintenanceruns.daylight.dev', ...ns],
        ['get', 'maintenanceruns.daylight.dev', ...ns],
        ['create', 'maintenanceruns.daylight.dev', ...ns],
        ['watch', 'maintenanceruns.daylight.dev', ...ns],
        ['watch', 'maintenanceplans.daylight.dev', ...ns],
        // the dashboard's pause, resume, abort and answers (service.controls, the default)
        ['patch', 'maintenanceruns.daylight.dev', ...ns],
        ['patch', 'maintenanceruns.daylight.dev', '--subresource=status', ...ns],
        ['get', 'maintenanceplans.daylight.dev', ...ns],
        ['update', 'configmaps', ...ns],
        ['get', 'secrets/daylight-journal-key', ...ns],
        // its Leases in kube-system
        ['update', 'leases.coordination.k8s.io/daylight-controller', '-n', 'kube-system'],
        ['update', 'leases.coordination.k8s.io/daylight-maintenance', '-n', 'kube-system'],
        ['create', 'leases.coordination.k8s.io', '-n', 'kube-system'],
        // and what a run does on the cluster: drain through the Eviction API, cordon, watch, a Node's events
        ['create', 'pods', '--subresource=eviction', '-n', 'shop'],
        ['patch', 'nodes'],
        ['watch', 'poddisruptionbudgets.policy', '--all-namespaces'],
        ['create', 'events', '-n', 'default'],
      ];
      for (const a of allowed) assert.equal(await canI(...a), 'yes', `may ${a.join(' ')}`);
      // And nothing beside: no Node deleted, no other Secret, no other Lease, no run replaced or deleted, no RBAC
      const denied = [
        ['delete', 'nodes'],
        ['get', 'secrets', '-n', 'kube-system'],
        ['get', 'secrets', '-n', 'default'],
        ['get', 'secrets/other', ...ns],
        ['list', 'secrets', ...ns],
        ['update', 'leases.coordination.k8s.io/kube-scheduler', '-n', 'kube-system'],
        ['update', 'configmaps', '-n', 'kube-system'],
        ['update', 'maintenanceruns.daylight.dev', ...ns],
        ['delete', 'maintenanceruns.daylight.dev', ...ns],
        ['list', 'maintenanceruns.daylight.dev', '-n', 'default'],
        ['create', 'clusterroles.rbac.authorization.k8s.io'],
        ['create', 'rolebindings.rbac.authorization.k8s.io', ...ns],
        ['create', 'pods', '-n', 'shop'],
        ['patch', 'nodes', '--subresource=status'],
        ['create', 'events', '-n', 'kube-system'],
      ];
      for (const a of denied) assert.equal(await canI(...a), 'no', `may not ${a.join(' ')}`);
    });

    test('the real `daylight controller` with only the ServiceAccount\'s rights drives a MaintenanceRun, paused and resumed through its spec, through a roll of every worker to Succeeded', { timeout: 600_000 }, async (t) => {
      // Given the ServiceAccount's token in a kubeconfig, as the pod would have it
      const token = ok(await sandbox.kubectl(['create', 'token', 'daylight', '-n', CONTROLLER_NAMESPACE, '--duration', '1h']), 'create token').trim();
      const server = sandbox.target(REGION);
      const kubeconfig = join(dir, 'controller.kubeconfig');
      await writeFile(kubeconfig, kubeconfigYamlPerRegion([{ name: REGION, server: server.url, caPem: server.caPem, token }]), { mode: 0o600 });
      // And a plan rebooting every worker, one at a time, zone by zone, where the controller's own replicas run under their budget
      const spec = (parse(rollPlanYaml({ maxUnavailable: 1, topology: '{key: topology.kubernetes.io/zone, serial: true}', soak: '0s', drain: '{timeout: 5m, onTimeout: fail, ignoreDaemonSets: true}' })) as { spec: unknown }).spec;
      ok(await sandbox.kubectl(['apply', '-n', CONTROLLER_NAMESPACE, '-f', '-'], { input: JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name: 'roll' }, spec }) }), 'create the plan');
      const bootIds = async () => {
        const list = JSON.parse(ok(await sandbox.kubectl(['get', 'nodes', '-l', '!node-role.kubernetes.io/control-plane', '-o', 'json']), 'get nodes')) as { items: { metadata: { name: string }; spec: { unschedulable?: boolean }; status: { nodeInfo: { bootID: string } } }[] };
        return list.items;
      };
      const before = new Map((await bootIds()).map((n) => [n.metadata.name, n.status.nodeInfo.bootID]));
      assert.equal(before.size, 3);
      const replicaPods = async () => ok(await sandbox.kubectl(['get', 'pods', '-n', CONTROLLER_NAMESPACE, '-l', 'app.kubernetes.io/name=daylight', '-o', 'jsonpath={.items[*].metadata.name}']), 'get pods').trim().split(' ').filter((p) => p !== '');
      const replicasBefore = await replicaPods();
      assert.equal(replicasBefore.length, 2);
      // When the controller runs as that ServiceAccount and a MaintenanceRun is created
      const child = spawn(process.execPath, [ENTRY, 'controller', '--kubeconfig', kubeconfig, '--namespace', CONTROLLER_NAMESPACE, '--identity', 'chart-test'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: tempConfigHome() } });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      const phase = async () => (JSON.parse(ok(await sandbox.kubectl(['get', 'maintenancerun', 'roll-1', '-n', CONTROLLER_NAMESPACE, '-o', 'json']), 'get run')) as { status?: { phase?: string } }).status?.phase ?? '';
      try {
        ok(await sandbox.kubectl(['apply', '-n', CONTROLLER_NAMESPACE, '-f', '-'], { input: JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'roll-1' }, spec: { planRef: { name: 'roll' } } }) }), 'create the run');
        // And a person pauses it through its spec, then lets it go on: the controller's next status write meets a
        // newer resourceVersion, and it reads the run to tell a person's change from another controller's
        await sandbox.until('the run is Running', async () => (await phase()) === 'Running', waitMs('kubernetes'));
        const setPaused = async (paused: boolean) => ok(await sandbox.kubectl(['patch', 'maintenancerun', 'roll-1', '-n', CONTROLLER_NAMESPACE, '--type', 'merge', '-p', JSON.stringify({ spec: { paused } })]), 'patch the run');
        await setPaused(true);
        await sandbox.until('the run is Paused', async () => (await phase()) === 'Paused', waitMs('kubernetes'));
        const paused = (JSON.parse(ok(await sandbox.kubectl(['get', 'maintenancerun', 'roll-1', '-n', CONTROLLER_NAMESPACE, '-o', 'json']), 'get run')) as { status?: { conditions?: { type: string; status: string; message: string }[] } }).status?.conditions ?? [];
        assert.deepEqual(paused.filter((c) => c.status === 'True').map((c) => c.type).sort(), ['Paused', 'Progressing'], JSON.stringify(paused));
        assert.equal(paused.find((c) => c.type === 'Progressing')?.message, 'driven by chart-test');
        await setPaused(false);
        await sandbox.until('the run ends', async () => ['Succeeded', 'Degraded', 'Failed', 'Aborted'].includes(await phase()), 480_000);
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, stderr);
      t.diagnostic(stderr.split('\n').slice(-8).join('\n'));
      // Then the run succeeded, and no call of the controller was refused
      assert.equal(await phase(), 'Succeeded', stderr);
      assert.doesNotMatch(stderr, /forbidden|403/i);
      // And every worker rebooted (a new boot id), none left cordoned
      const after = await bootIds();
      for (const n of after) assert.notEqual(n.status.nodeInfo.bootID, before.get(n.metadata.name), `${n.metadata.name} rebooted`);
      assert.deepEqual(after.filter((n) => n.spec.unschedulable).map((n) => n.metadata.name), []);
      // And its journal is in the namespace, signed with the key the controller made there
      const journal = JSON.parse(ok(await sandbox.kubectl(['get', 'configmaps', '-n', CONTROLLER_NAMESPACE, '-l', 'daylight.dev/run=roll-1', '-o', 'json']), 'get journal')) as { items: unknown[] };
      assert.ok(journal.items.length >= 1);
      ok(await sandbox.kubectl(['get', 'secret', 'daylight-journal-key', '-n', CONTROLLER_NAMESPACE]), 'the key');
      // And the replicas of the controller itself, each on a worker, were evicted under their budget (none is left
      // of those before) and run again
      assert.deepEqual((await replicaPods()).filter((p) => replicasBefore.includes(p)), []);
      await sandbox.until('both replicas run again', async () => (JSON.parse(ok(await sandbox.kubectl(['get', 'deployment', 'daylight', '-n', CONTROLLER_NAMESPACE, '-o', 'json']), 'get deployment')) as { status: { readyReplicas?: number } }).status.readyReplicas === 2, waitMs('kubernetes'));
    });

    test('the admission policy: an answer to an approval gate by annotation is written only in the name of who writes it', async () => {
      // Given a MaintenanceRun, and two people allowed to write it
      ok(await sandbox.kubectl(['apply', '-n', CONTROLLER_NAMESPACE, '-f', '-'], { input: JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'answers' }, spec: { planRef: { name: 'roll' } } }) }), 'create the run');
      const annotate = (user: string, ...pairs: string[]) => sandbox.kubectl(['annotate', '--overwrite', `--as=${user}`, '--as-group=system:masters', 'maintenancerun', 'answers', '-n', CONTROLLER_NAMESPACE, ...pairs]);
      const answer = (by: string, decision = 'approve') => [`daylight.dev/approval=${decision}`, 'daylight.dev/approval-step=phase/os-patch', `daylight.dev/approval-by=${by}`];
      // When alice answers in bob's name, Then the API server refuses it, saying whose name it must be
      await sandbox.until('the policy is in force', async () => (await annotate('alice', ...answer('bob'))).code !== 0, waitMs('kubernetes'));
      const forged = await annotate('alice', ...answer('bob'));
      assert.match(forged.stderr, /ValidatingAdmissionPolicy 'daylight-approval-by' with binding 'daylight-approval-by' denied request: an answer to an approval gate is given in the name of who writes it: set the annotation daylight\.dev\/approval-by to alice, not bob/);
      // And with no name at all
      assert.match((await annotate('alice', 'daylight.dev/approval=approve', 'daylight.dev/approval-step=phase/os-patch')).stderr, /set the annotation daylight\.dev\/approval-by to alice$/m);
      // When bob answers in his own name, Then it is taken
      ok(await annotate('bob', ...answer('bob')), 'bob answers');
      // And alice may change what is not the answer, but not the answer's comment while it stays bob's
      ok(await annotate('alice', 'example.com/ticket=CHG-1'), 'another annotation');
      assert.notEqual((await annotate('alice', 'daylight.dev/approval-comment=looks fine')).code, 0);
      // And she may answer in her own name (the answer then is hers), or take the answer away
      ok(await annotate('alice', ...answer('alice', 'reject')), 'alice answers');
      ok(await annotate('alice', 'daylight.dev/approval-', 'daylight.dev/approval-step-', 'daylight.dev/approval-by-'), 'alice clears the answer');
      const annotations = (JSON.parse(ok(await sandbox.kubectl(['get', 'maintenancerun', 'answers', '-n', CONTROLLER_NAMESPACE, '-o', 'json']), 'get run')) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {};
      assert.deepEqual(Object.keys(annotations).filter((k) => k.startsWith('daylight.dev/')).sort(), []);
      // And a run created with an answer in someone else's name is refused too
      const created = await sandbox.kubectl(['create', `--as=alice`, '--as-group=system:masters', '-n', CONTROLLER_NAMESPACE, '-f', '-'], { input: JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: 'forged', annotations: { 'daylight.dev/approval': 'approve', 'daylight.dev/approval-step': 'phase/os-patch', 'daylight.dev/approval-by': 'bob' } }, spec: { planRef: { name: 'roll' } } }) });
      assert.match(created.stderr, /set the annotation daylight\.dev\/approval-by to alice, not bob/);
      // And the name "dashboard" is the controller's ServiceAccount's alone (the dashboard's answers, service.controls),
      // written with only its own rights; alice may not use it, nor the ServiceAccount another's name
      assert.match((await annotate('alice', ...answer('dashboard'))).stderr, /set the annotation daylight\.dev\/approval-by to alice, not dashboard/);
      const asController = (...pairs: string[]) => sandbox.kubectl(['annotate', '--overwrite', `--as=${SA}`, 'maintenancerun', 'answers', '-n', CONTROLLER_NAMESPACE, ...pairs]);
      ok(await asController(...answer('dashboard')), 'the controller answers as the dashboard');
      assert.match((await asController(...answer('alice'))).stderr, new RegExp(`set the annotation daylight\\.dev/approval-by to ${SA.replace(/[.]/g, '\\.')}, not alice`));
    });
  });
});
