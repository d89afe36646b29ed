// Unit tests for the kubeconfig `sandbox up` writes: one context per region, named after it, with the
// CA and the bearer token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { kubeconfigYaml } from '../../../src/sandbox/kubeconfig.ts';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const TOKEN = 'sandbox-token-123';
const REGIONS = [
  { name: 'eu-central', server: 'https://127.0.0.1:6443' },
  { name: 'eu-west', server: 'https://127.0.0.1:6444' },
];

interface Kubeconfig {
  apiVersion: string;
  kind: string;
  'current-context': string;
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { token: string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
}

const config = parse(kubeconfigYaml(REGIONS, CA_PEM, TOKEN)) as Kubeconfig;

test('it is a v1 Config whose current context is the first region', () => {
  assert.equal(config.apiVersion, 'v1');
  assert.equal(config.kind, 'Config');
  assert.equal(config['current-context'], 'eu-central');
});

test('there is one context per region, named after the region', () => {
  assert.deepEqual(config.contexts.map((c) => c.name), ['eu-central', 'eu-west']);
});

test('each context points at its region’s server', () => {
  for (const region of REGIONS) {
    const context = config.contexts.find((c) => c.name === region.name);
    assert.ok(context);
    const cluster = config.clusters.find((c) => c.name === context.context.cluster);
    assert.equal(cluster?.cluster.server, region.server);
  }
});

test('every cluster carries the CA as base64 certificate-authority-data', () => {
  for (const c of config.clusters) {
    assert.equal(Buffer.from(c.cluster['certificate-authority-data'], 'base64').toString('utf8'), CA_PEM);
  }
});

test('every context’s user authenticates with the token', () => {
  for (const context of config.contexts) {
    const user = config.users.find((u) => u.name === context.context.user);
    assert.equal(user?.user.token, TOKEN, context.name);
  }
});

test('with no regions the kubeconfig is empty but valid', () => {
  const empty = parse(kubeconfigYaml([], CA_PEM, TOKEN)) as Kubeconfig;
  assert.equal(empty['current-context'], '');
  assert.deepEqual([empty.clusters, empty.users, empty.contexts], [[], [], []]);
});
