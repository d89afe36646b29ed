// A plan's cluster reached through a kubeconfig Secret is the controller's to read: `daylight run` refuses it
// before it connects anywhere, naming the cluster and what to write instead; and a cluster may not name both
// a kubeconfig file and a Secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectClusters } from '../../../src/cli/clusters.ts';
import { UserError } from '../../../src/lib/errors.ts';
import { parsePlan } from '../../../src/plan/load.ts';

const plan = (cluster: string) => parsePlan('members.yaml', ['apiVersion: daylight.dev/v1alpha1', 'kind: MaintenancePlan', 'metadata: {name: members}', 'spec:', `  clusters: [${cluster}]`, '  phases: [{name: os-patch, type: nodes}]', ''].join('\n'));

test('daylight run refuses a cluster named by kubeconfigSecret, before connecting', async () => {
  const p = plan('{name: eu-west, context: eu-west, kubeconfigSecret: {name: eu-west-kubeconfig}}');
  assert.deepEqual(p.plan.spec.clusters[0]?.kubeconfigSecret, { name: 'eu-west-kubeconfig', key: 'kubeconfig' });
  await assert.rejects(connectClusters(p.plan, {}), (e: unknown) => e instanceof UserError && /cluster eu-west names kubeconfigSecret eu-west-kubeconfig: only daylight controller reads it/.test(e.message));
});

test('a kubeconfig file and a kubeconfigSecret on one cluster are refused with where', () => {
  assert.throws(() => plan('{name: eu-west, kubeconfig: ./eu.yaml, kubeconfigSecret: {name: eu}}'), (e: unknown) => e instanceof UserError && /spec\.clusters\[0\]\.kubeconfigSecret: kubeconfig \(a file\) and kubeconfigSecret \(a Secret the controller reads\) exclude each other/.test(e.message));
});
