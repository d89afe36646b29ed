// The traffic, hooks and silences parts of a plan file as a user meets them: the defaults a short traffic
// block gets, and for each thing a regional phase needs, the exact `file:line:column: path: what; fix` line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { Plan } from '../../../src/plan/schema.ts';

const FILE = 'plans/regional.yaml';

/** A plan with two clusters and one regional phase; `spec` lines follow line 12, numbered from 13. */
function planLines(o: { clusters?: readonly string[]; regional?: boolean; spec?: readonly string[] } = {}): string[] {
  const clusters = o.clusters ?? ['eu-central', 'eu-west'];
  return [
    'apiVersion: daylight.dev/v1alpha1', // 1
    'kind: MaintenancePlan', // 2
    'metadata:', // 3
    '  name: regional-patch', // 4
    'spec:', // 5
    '  phases:', // 6
    '    - name: os-patch', // 7
    '      type: nodes', // 8
    `      regional: ${o.regional ?? true}`, // 9
    '  clusters:', // 10
    ...clusters.map((c) => `    - name: ${c}`), // 11, 12
    ...(o.spec ?? []),
  ];
}

function accepted(o: Parameters<typeof planLines>[0] = {}): Plan {
  return parsePlan(FILE, `${planLines(o).join('\n')}\n`).plan;
}

/** The problems reported, one per line; fails when the plan is accepted. */
function problems(o: Parameters<typeof planLines>[0]): string[] {
  try {
    parsePlan(FILE, `${planLines(o).join('\n')}\n`);
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the plan was accepted');
}

// ------------------------------------------------------------------------------------------------ defaults

test('a traffic block with only a provider gets the safe restore, drain and analysis defaults', () => {
  const t = accepted({ spec: ['  traffic:', '    provider: sandbox'] }).spec.traffic;
  assert.ok(t);
  const { restore } = t;
  assert.deepEqual({ ...restore, interval: restore.interval.toString(), every: restore.every.toString() }, { steps: [10, 50, 100], interval: '30s', every: '5s', failureLimit: 0, inconclusiveLimit: 2 });
  assert.equal(t.drain.timeout.toString(), '2m');
  assert.deepEqual(t.servers, {});
  assert.deepEqual(t.analysis, []);
  assert.deepEqual(t.validation, []);
  assert.equal(t.capacity, undefined);
});

test('a proxy analysis defaults to an error rate of at most 1% over at least 20 requests; a sandbox capacity to headroom 1', () => {
  const t = accepted({ spec: ['  traffic:', '    provider: sandbox', '    analysis: [{type: proxy}]', '    capacity: {type: sandbox}'] }).spec.traffic;
  assert.deepEqual(t?.analysis, [{ type: 'proxy', metric: 'error-rate', max: 0.01, minRequests: 20 }]);
  assert.deepEqual(t?.capacity, { type: 'sandbox', headroom: 1 });
});

test('silences last 6h unless told, and hooks get their defaults', () => {
  const spec = accepted({
    spec: [
      '  traffic:',
      '    provider: sandbox',
      '  silences: {alertmanager: "http://127.0.0.1:9093", matchers: [{name: cluster, value: "{{cluster}}"}]}',
      '  hooks:',
      '    - {on: pre-drain, type: command, run: "pgroll start 042.json"}',
      '    - {on: post-restore, type: webhook, url: "https://hooks.example.com/daylight", onFailure: continue}',
    ],
  }).spec;
  assert.equal(spec.silences?.duration.toString(), '6h');
  assert.deepEqual(spec.hooks.map((h) => [h.on, h.type, h.onFailure, h.timeout.toString()]), [
    ['pre-drain', 'command', 'fail', '5m'],
    ['post-restore', 'webhook', 'continue', '30s'],
  ]);
});

// ------------------------------------------------------------------------------- what a regional phase needs

test('a regional phase without traffic, or with provider none, names the phase and the providers', () => {
  const line = 'plans/regional.yaml:9:17: spec.phases[0].regional: a regional phase needs spec.traffic with a provider (haproxy, gateway-api, sandbox or manual); set it, or regional: false';
  assert.deepEqual(problems({}), [line]);
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: none'] }), [line]);
});

test('a regional phase with one cluster is refused: the last region never leaves traffic', () => {
  assert.deepEqual(problems({ clusters: ['eu-central'], spec: ['  traffic:', '    provider: sandbox'] }), [
    'plans/regional.yaml:9:17: spec.phases[0].regional: a regional phase needs two clusters or more: the last region in service is never taken out of traffic; add a cluster, or set regional: false',
  ]);
});

test('the same plan without a regional phase needs none of it', () => {
  assert.equal(accepted({ clusters: ['eu-central'], regional: false }).spec.traffic, undefined);
  assert.equal(accepted({ regional: false, spec: ['  traffic:', '    provider: manual'] }).spec.traffic?.capacity, undefined);
});

test('provider haproxy and gateway-api need their own settings, said in one line each', () => {
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: haproxy', '    servers: {eu-central: fra, eu-west: ams}', '    capacity: {type: prometheus, url: "http://127.0.0.1:9090", query: "capacity_ratio"}'] }), [
    'plans/regional.yaml:14:5: spec.traffic.haproxy: provider haproxy needs its runtime API; add haproxy: {runtimeApi: "unix:///run/haproxy/admin.sock", backend: <backend>}',
  ]);
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: gateway-api', '    servers: {eu-central: fra, eu-west: ams}', '    capacity: {type: prometheus, url: "http://127.0.0.1:9090", query: "capacity_ratio"}'] }), [
    'plans/regional.yaml:14:5: spec.traffic.gatewayApi: provider gateway-api needs the HTTPRoute to steer; add gatewayApi: {cluster: <cluster holding the HTTPRoute>, namespace: <ns>, route: <name>}',
  ]);
});

test('haproxy and gateway-api need a server for every cluster, each missing one named with what to add', () => {
  const haproxy = ['  traffic:', '    provider: haproxy', '    haproxy: {runtimeApi: "unix:///run/haproxy/admin.sock", backend: global}', '    capacity: {type: prometheus, url: "http://127.0.0.1:9090", query: "capacity_ratio"}'];
  assert.deepEqual(problems({ spec: [...haproxy, '    servers: {eu-central: fra}'] }), ['plans/regional.yaml:17:14: spec.traffic.servers: no server for cluster "eu-west"; add "eu-west: <its server in the backend>"']);
  const gateway = ['  traffic:', '    provider: gateway-api', '    gatewayApi: {cluster: eu-central, namespace: shop, route: global}', '    capacity: {type: prometheus, url: "http://127.0.0.1:9090", query: "capacity_ratio"}'];
  assert.deepEqual(problems({ spec: [...gateway, '    servers: {}'] }), [
    'plans/regional.yaml:17:14: spec.traffic.servers: no server for cluster "eu-central"; add "eu-central: <its backendRef name>"',
    'plans/regional.yaml:17:14: spec.traffic.servers: no server for cluster "eu-west"; add "eu-west: <its backendRef name>"',
  ]);
  // And with every cluster named the plan is accepted, its rule defaulting to the first
  assert.equal(accepted({ spec: [...gateway, '    servers: {eu-central: web-fra, eu-west: web-ams}'] }).spec.traffic?.gatewayApi?.rule, 0);
});

test('a capacity source is needed unless the sandbox balancer reports load', () => {
  const line = 'plans/regional.yaml:14:5: spec.traffic.capacity: a region leaves traffic only when the others can carry all of it; set traffic.capacity: {type: prometheus, url: ..., query: ...}';
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: manual'] }), [line]);
  assert.ok(accepted({ spec: ['  traffic:', '    provider: sandbox'] }));
  assert.deepEqual(accepted({ spec: ['  traffic:', '    provider: manual', '    capacity: {type: prometheus, url: "http://127.0.0.1:9090", query: "capacity_ratio"}'] }).spec.traffic?.capacity?.type, 'prometheus');
});

test('a sandbox capacity check with another provider can never pass, so the plan is refused at the capacity type', () => {
  const haproxy = ['  traffic:', '    provider: haproxy', '    haproxy: {runtimeApi: "unix:///run/haproxy/admin.sock", backend: global}', '    servers: {eu-central: fra, eu-west: ams}'];
  assert.deepEqual(problems({ spec: [...haproxy, '    capacity: {type: sandbox}'] }), [
    'plans/regional.yaml:17:22: spec.traffic.capacity.type: capacity type "sandbox" measures the sandbox\'s own balancer and never passes with provider haproxy; use capacity: {type: prometheus, url: ..., query: ...}, or provider: sandbox',
  ]);
  assert.deepEqual(problems({ regional: false, spec: ['  traffic:', '    provider: manual', '    capacity: {type: sandbox}'] }), [
    'plans/regional.yaml:15:22: spec.traffic.capacity.type: capacity type "sandbox" measures the sandbox\'s own balancer and never passes with provider manual; use capacity: {type: prometheus, url: ..., query: ...}, or provider: sandbox',
  ]);
  assert.equal(accepted({ spec: ['  traffic:', '    provider: sandbox', '    capacity: {type: sandbox}'] }).spec.traffic?.capacity?.type, 'sandbox');
});

// -------------------------------------------------------------------------------------- restore and analysis

test('restore steps must rise, and the step that does not is pointed at', () => {
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: sandbox', '    restore: {steps: [10, 50, 50, 100]}'] }), ['plans/regional.yaml:15:31: spec.traffic.restore.steps[2]: restore steps must rise; 50 follows 50']);
});

test('a prometheus analysis needs a threshold; a misspelt restore field is suggested', () => {
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: sandbox', '    analysis: [{type: prometheus, url: "http://127.0.0.1:9090", query: "x"}]'] }), ['plans/regional.yaml:15:16: spec.traffic.analysis[0]: a prometheus analysis needs a threshold; set max, min or both']);
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: sandbox', '    restore: {failurelimit: 1}'] }), ['plans/regional.yaml:15:15: spec.traffic.restore.failurelimit: unknown field; did you mean "failureLimit"?']);
});

// ------------------------------------------------------------------------------------------- hooks, silences

test('silence matchers, hooks and queries may use only the names given to them; another is refused at its position', () => {
  const traffic = ['  traffic:', '    provider: sandbox'];
  assert.deepEqual(problems({ spec: [...traffic, '  silences: {alertmanager: "http://127.0.0.1:9093", matchers: [{name: cluster, value: "{{regoin}}"}]}'] }), [
    'plans/regional.yaml:15:87: spec.silences.matchers[0].value: "{{regoin}}" uses {{regoin}}, which is not a known variable; known variables: cluster, region, run',
  ]);
  // run-start knows no region; run-end knows the outcome
  assert.deepEqual(problems({ spec: [...traffic, '  hooks:', '    - {on: run-start, type: command, run: "notify {{cluster}}"}', '    - {on: run-end, type: webhook, url: "https://hooks.example.com/{{outcome}}/{{node.name}}"}'] }), [
    'plans/regional.yaml:16:43: spec.hooks[0].run: in a run-start hook, "notify {{cluster}}" uses {{cluster}}, which is not a known variable; known variables: event, plan, run',
    'plans/regional.yaml:17:41: spec.hooks[1].url: in a run-end hook, "https://hooks.example.com/{{outcome}}/{{node.name}}" uses {{node.name}}, which is not a known variable; known variables: event, outcome, plan, run',
  ]);
  assert.equal(accepted({ spec: [...traffic, '  hooks:', '    - {on: pre-drain, type: command, run: "notify {{cluster}} {{region}} {{run}} {{plan}} {{event}}"}'] }).spec.hooks.length, 1);
  assert.deepEqual(problems({ spec: [...traffic, '    analysis: [{type: prometheus, url: "http://127.0.0.1:9090", query: "errors{cluster=\\"{{cluster}}\\"}", max: 1}]'] }), [
    'plans/regional.yaml:15:72: spec.traffic.analysis[0].query: "errors{cluster=\\"{{cluster}}\\"}" uses {{cluster}}, which is not a known variable; known variables: region',
  ]);
});

test('an unknown hook field is an error that lists the fields', () => {
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: sandbox', '  hooks:', '    - {on: pre-drain, type: command, run: ./x.sh, retries: 2}'] }), [
    'plans/regional.yaml:16:51: spec.hooks[0].retries: unknown field; remove it (fields here: on, type, run, timeout, onFailure)',
  ]);
});

test('a silence duration without a unit says what to write', () => {
  assert.deepEqual(problems({ spec: ['  traffic:', '    provider: sandbox', '  silences: {alertmanager: "http://127.0.0.1:9093", matchers: [{name: cluster, value: x}], duration: 90}'] }), [
    'plans/regional.yaml:15:102: spec.silences.duration: 90 has no unit; write a duration such as "6h" (units: ms, s, m, h)',
  ]);
});
