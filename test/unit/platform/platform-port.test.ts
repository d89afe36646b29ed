// The platform stack as the engine's platform port: two workspace files read into their references, the
// change between them laid out only when asked (order, removals, downgrades, each component's steps with
// the phase's Prometheus or the workspace's), and the Deployments post-check by cluster name, failing
// closed for a cluster the run does not know.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkloadView } from '../../../src/kube/types.ts';
import { UserError } from '../../../src/lib/errors.ts';
import { platformPort } from '../../../src/platform/platform-port.ts';
import { workspaceText } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'daylight-platform-port-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const CHECKS = ['checks: {builtin: [pod-restarts]}'];
const OLD = workspaceText([
  { name: 'cert-manager', version: '1.15.0' },
  { name: 'grafana', version: '11.4.0', dependsOn: ['cert-manager'], extra: CHECKS },
  { name: 'loki', version: '3.1.0' },
]);
const NEW = workspaceText([
  { name: 'cert-manager', version: '1.16.1' },
  { name: 'grafana', version: '11.3.0', dependsOn: ['cert-manager'], extra: CHECKS },
]);

function deployment(image: string): WorkloadView {
  return { kind: 'Deployment', namespace: 'monitoring', name: 'grafana', replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1, observedGeneration: 1, generation: 1, owned: false, containers: [{ name: 'grafana', image }] };
}

test('two files read, then their change laid out: dependencies first, removals and downgrades named, Prometheus from the phase or the workspace', async () => {
  // Given an old and a new workspace file: cert-manager up, grafana down (after cert-manager), loki removed
  const port = platformPort(new Map());
  const from = file('old.yaml', OLD);
  const to = file('new.yaml', NEW);
  // When the port reads them and lays out the change, once with the phase's Prometheus and once without
  const pair = await port.read(from, to);
  const own = await pair.change({ cluster: 'eu-central', runId: 'run-1', prometheus: 'http://prometheus.phase:9090' });
  const fallback = await pair.change({ cluster: 'eu-central', runId: 'run-1' });
  // Then the files are named by path and content hash
  assert.deepEqual(pair.from, { path: from, sha256: createHash('sha256').update(OLD).digest('hex') });
  assert.equal(pair.to.sha256, createHash('sha256').update(NEW).digest('hex'));
  // And the change is in dependency order, with what goes away and what goes down
  assert.deepEqual([own.order, own.removed, own.downgrades], [['cert-manager', 'grafana'], ['loki'], ['grafana 11.4.0 → 11.3.0']]);
  assert.deepEqual(own.components.map((c) => c.component), ['cert-manager', 'grafana']);
  // And grafana's built-in check asks the phase's Prometheus, else the workspace's
  const builtin = (c: typeof own) => c.components[1]?.steps.find((s) => s.id === 'grafana/builtin/pod-restarts');
  const url = (s: ReturnType<typeof builtin>) => (s?.phase === 'post' && s.kind === 'gate' && s.gate.type === 'prometheus' ? s.gate.url : undefined);
  assert.equal(url(builtin(own)), 'http://prometheus.phase:9090');
  assert.equal(url(builtin(fallback)), 'http://127.0.0.1:9090');
});

test('a missing workspace file is a UserError that names it', async () => {
  // Given a path where no file is
  const missing = join(dir, 'nope.yaml');
  // When the port reads it
  // Then the error names the file and how to fix it
  await assert.rejects(platformPort(new Map()).read(missing, file('new2.yaml', NEW)), (e: unknown) => e instanceof UserError && e.message.startsWith(`${missing}: no such workspace file`));
});

test('the Deployments post-check reads the named cluster, and fails closed for a cluster the run does not know', async () => {
  // Given one connected cluster running grafana 11.4.0
  const port = platformPort(new Map([['eu-central', { name: 'eu-central', workloads: { list: () => Promise.resolve([deployment('grafana/grafana:11.4.0')]) } }]]));
  const expect = [{ namespace: 'monitoring', name: 'grafana', tag: '11.4.0' }];
  const signal = new AbortController().signal;
  // When the check asks for 11.4.0 there, and on a cluster that is not connected
  const known = await port.checkDeployments('eu-central', expect, signal);
  const unknown = await port.checkDeployments('us-east', expect, signal);
  // Then the first passes with what runs, and the second fails, saying why
  assert.deepEqual(known, { passed: true, value: 0, threshold: '0', message: 'monitoring/grafana: 1/1 available, grafana runs grafana/grafana:11.4.0' });
  assert.deepEqual(unknown, { passed: false, message: 'cluster us-east is not connected to this run, so its Deployments count as failed' });
});
