// The plan file schema as a user meets it: the defaults a short plan gets, and for every kind of mistake the
// exact `file:line:column: path: what; fix` line that parsePlan reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { UserError } from '../../../src/lib/errors.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { LoadedPlan } from '../../../src/plan/load.ts';

/**
 * A valid plan, one line per entry; tests replace lines (by 1-based number), so the line numbers below are
 * these. The comment lines are spare slots: a test puts a cluster, a phase field or a spec field there.
 */
const BASE = [
  'apiVersion: daylight.dev/v1alpha1', // 1
  'kind: MaintenancePlan', // 2
  'metadata:', // 3
  '  name: weekly-os-patch', // 4
  'spec:', // 5
  '  clusters:', // 6
  '    - name: eu-central', // 7
  '      context: eu-central', // 8
  '    # another cluster', // 9
  '  phases:', // 10
  '    - name: os-patch', // 11
  '      type: nodes', // 12
  '      maxUnavailable: 25%', // 13
  '      drain:', // 14
  '        timeout: 10m', // 15
  '      # a phase field', // 16
  '  gates:', // 17
  '    - type: kube', // 18
  '      check: nodes-ready', // 19
  '  # a spec field', // 20
] as const;

const FILE = 'plans/weekly.yaml';

/** The plan text with lines replaced; a replacement may hold several lines (later line numbers shift). */
function planText(replace: Record<number, string> = {}): string {
  return [...BASE.map((line, i) => replace[i + 1] ?? line), ''].join('\n');
}

function accepted(replace: Record<number, string> = {}): LoadedPlan {
  return parsePlan(FILE, planText(replace));
}

/** The problems parsePlan reports, one per line; fails when the plan is accepted or the error is not a UserError. */
function problems(replace: Record<number, string>): string[] {
  try {
    parsePlan(FILE, planText(replace));
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the plan was accepted');
}

// ------------------------------------------------------------------------------------------------ defaults

test('the base plan is accepted and a phase gets the safe defaults for everything it does not say', () => {
  // Given the base plan, which names only a phase's name, type, maxUnavailable and drain timeout
  const { plan } = accepted();
  const phase = plan.spec.phases[0];
  assert.ok(phase?.type === 'nodes');
  // Then the rest of the phase is filled with the safe defaults
  assert.equal(phase.regional, false);
  assert.equal(phase.selector, '!node-role.kubernetes.io/control-plane');
  assert.equal(phase.maxUnavailable, '25%');
  assert.equal(phase.canary, 1);
  assert.equal(phase.topology, undefined);
  assert.deepEqual({ ...phase.drain, timeout: phase.drain.timeout.toString() }, { timeout: '10m', onTimeout: 'fail', ignoreDaemonSets: true, deleteEmptyDirData: false, force: false });
  assert.deepEqual(phase.action, { type: 'agent', operation: 'reboot' });
  assert.deepEqual({ ...phase.ready, timeout: phase.ready.timeout.toString() }, { timeout: '10m', onTimeout: 'fail' });
  assert.equal(phase.soak.ms, 0);
  assert.deepEqual(phase.estimates, {});
  // And the spec gets no window, no traffic, no silences, and the gates as written
  assert.equal(plan.spec.window, undefined);
  assert.equal(plan.spec.traffic, undefined);
  assert.equal(plan.spec.silences, undefined);
  assert.deepEqual(plan.spec.gates, [{ type: 'kube', check: 'nodes-ready' }]);
  assert.deepEqual(plan.spec.requirements, {});
  // And the run's Lease lasts a minute
  assert.equal(plan.spec.lease.duration.toString(), '1m');
});

test('maxUnavailable defaults to one node, and an omitted drain gets the default drain', () => {
  // Given a phase without maxUnavailable and drain
  const { plan } = accepted({ 13: '      # no maxUnavailable', 14: '      # no drain', 15: '      # -' });
  const phase = plan.spec.phases[0];
  assert.ok(phase?.type === 'nodes');
  // Then one node at a time, drained within 10 minutes or the run fails
  assert.equal(phase?.maxUnavailable, 1);
  assert.equal(phase?.drain.timeout.toString(), '10m');
  assert.equal(phase?.drain.onTimeout, 'fail');
});

test('a window defaults to UTC, every day, no exclusions; dates are kept as YYYY-MM-DD', () => {
  const { plan } = accepted({ 20: '  window:\n    allow: [{start: "09:00", end: "16:00"}]\n    exclude: [{from: 2026-12-20, to: 2027-01-06}]' });
  assert.deepEqual(plan.spec.window, {
    timezone: 'UTC',
    allow: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], start: '09:00', end: '16:00' }],
    exclude: [{ from: '2026-12-20', to: '2027-01-06' }],
  });
});

test('gates, a command action and traffic get their default timeouts and settings', () => {
  const { plan } = accepted({
    16: '      action: {type: command, run: "ssh {{node.name}} sudo reboot"}',
    18: '    - type: http\n      url: http://127.0.0.1:8080/healthz\n    - {type: prometheus, url: "http://127.0.0.1:9090", query: "up", min: 1}\n    - {type: command, run: ./smoke.sh}',
    19: '',
    20: '  traffic: {provider: sandbox}',
  });
  const phase = plan.spec.phases[0];
  const action = phase?.type === 'nodes' ? phase.action : undefined;
  assert.equal(action?.type, 'command');
  assert.deepEqual(action?.type === 'command' ? { operation: action.operation, timeout: action.timeout.toString() } : undefined, { operation: 'reboot', timeout: '5m' });
  assert.deepEqual(plan.spec.gates.map((g) => ({ type: g.type, timeout: 'timeout' in g ? g.timeout.toString() : undefined, expectStatus: g.type === 'http' ? g.expectStatus : undefined })), [
    { type: 'http', timeout: '5s', expectStatus: 200 },
    { type: 'prometheus', timeout: '5s', expectStatus: undefined },
    { type: 'command', timeout: '1m', expectStatus: undefined },
  ]);
  const traffic = plan.spec.traffic;
  const r = traffic?.restore;
  assert.deepEqual(traffic && r && { ...traffic, drain: traffic.drain.timeout.toString(), restore: { ...r, interval: r.interval.toString(), every: r.every.toString() } }, {
    provider: 'sandbox',
    servers: {},
    drain: '2m',
    restore: { steps: [10, 50, 100], interval: '30s', every: '5s', failureLimit: 0, inconclusiveLimit: 2 },
    analysis: [],
    validation: [],
  });
});

test('a kubeconfig path in the plan is taken relative to the plan file, and the plan text is fingerprinted', () => {
  const loaded = accepted({ 9: '    - {name: eu-west, kubeconfig: ../kube/west.yaml}' });
  assert.deepEqual(loaded.plan.spec.clusters, [{ name: 'eu-central', context: 'eu-central' }, { name: 'eu-west', kubeconfig: resolve(join('plans', '../kube/west.yaml')) }]);
  assert.match(loaded.sha256, /^[0-9a-f]{64}$/);
  assert.notEqual(accepted().sha256, loaded.sha256);
});

// ------------------------------------------------------------------------------------------ field errors

test('an unknown field points at its key and suggests the field meant', () => {
  assert.deepEqual(problems({ 16: '      maxUnavailble: 2' }), ['plans/weekly.yaml:16:7: spec.phases[0].maxUnavailble: unknown field; did you mean "maxUnavailable"?']);
  assert.deepEqual(problems({ 3: 'metdata:' }), [
    'plans/weekly.yaml:1:1: metadata: required field is missing; add it (object)',
    'plans/weekly.yaml:3:1: metdata: unknown field; did you mean "metadata"?',
  ]);
  assert.deepEqual(problems({ 15: '        timeout: 10m\n        ignoreDaemonSet: true' }), ['plans/weekly.yaml:16:9: spec.phases[0].drain.ignoreDaemonSet: unknown field; did you mean "ignoreDaemonSets"?']);
});

test('an unknown field in a gate or an action is checked against the fields of its own type', () => {
  // Given fields that exist on an http gate and a command action, misspelt
  assert.deepEqual(problems({ 18: '    - type: http', 19: '      url: http://127.0.0.1/healthz\n      expectStatuss: 204' }), ['plans/weekly.yaml:20:7: spec.gates[0].expectStatuss: unknown field; did you mean "expectStatus"?']);
  assert.deepEqual(problems({ 16: '      action: {type: command, run: ./reboot.sh, timout: 2m}' }), ['plans/weekly.yaml:16:49: spec.phases[0].action.timout: unknown field; did you mean "timeout"?']);
  // And a field like no known one lists the fields there are, for that type
  assert.deepEqual(problems({ 19: '      check: nodes-ready\n      colour: red' }), ['plans/weekly.yaml:20:7: spec.gates[0].colour: unknown field; remove it (fields here: type, check, name)']);
  assert.deepEqual(problems({ 16: '      action: {type: command, run: ./reboot.sh, colour: red}' }), ['plans/weekly.yaml:16:49: spec.phases[0].action.colour: unknown field; remove it (fields here: type, run, operation, version, timeout)']);
});

test('maxUnavailable over 100%, a fraction, negative or not a number says what to write', () => {
  assert.deepEqual(problems({ 13: '      maxUnavailable: 120%' }), ['plans/weekly.yaml:13:23: spec.phases[0].maxUnavailable: "120%" is over 100%; use an integer or a percentage up to 100%']);
  assert.deepEqual(problems({ 13: '      maxUnavailable: 1.5' }), ['plans/weekly.yaml:13:23: spec.phases[0].maxUnavailable: 1.5 is not a whole number of nodes; use an integer from 0 to 100,000 or a percentage up to 100%, such as "25%"']);
  assert.deepEqual(problems({ 13: '      maxUnavailable: -1' }), ['plans/weekly.yaml:13:23: spec.phases[0].maxUnavailable: -1 is not a whole number of nodes; use an integer from 0 to 100,000 or a percentage up to 100%, such as "25%"']);
  assert.deepEqual(problems({ 13: '      maxUnavailable: a lot' }), ['plans/weekly.yaml:13:23: spec.phases[0].maxUnavailable: "a lot" is neither an integer nor a percentage; use an integer or a percentage such as "25%"']);
});

test('a duration without a unit, or not a duration at all, shows how to write one', () => {
  assert.deepEqual(problems({ 15: '        timeout: 10' }), ['plans/weekly.yaml:15:18: spec.phases[0].drain.timeout: 10 has no unit; write a duration such as "10m" (units: ms, s, m, h)']);
  assert.deepEqual(problems({ 16: '      soak: 30' }), ['plans/weekly.yaml:16:13: spec.phases[0].soak: 30 has no unit; write a duration such as "30s" (units: ms, s, m, h)']);
  assert.deepEqual(problems({ 15: '        timeout: 10 minutes' }), ['plans/weekly.yaml:15:18: spec.phases[0].drain.timeout: "10 minutes" is not a duration; write a number with a unit, such as 30s, 10m or 1h30m (units: ms, s, m, h)']);
});

test('a duration longer than a timer can wait (24 days) is refused with the longest there is', () => {
  // Node fires a timer set beyond 2^31 ms at once: such a timeout would not wait at all
  assert.deepEqual(problems({ 15: '        timeout: 99999999999999999999h' }), ['plans/weekly.yaml:15:18: spec.phases[0].drain.timeout: "99999999999999999999h" is longer than 24 days; write a duration up to 576h']);
  assert.deepEqual(problems({ 16: '      soak: 577h' }), ['plans/weekly.yaml:16:13: spec.phases[0].soak: "577h" is longer than 24 days; write a duration up to 576h']);
  assert.equal(accepted({ 16: '      soak: 576h' }).plan.spec.phases[0]?.type, 'nodes');
});

test('counts have bounds: more nodes than any cluster has, a negative canary, a restore step over 100%', () => {
  assert.deepEqual(problems({ 13: '      maxUnavailable: 100000000' }), ['plans/weekly.yaml:13:23: spec.phases[0].maxUnavailable: 100000000 is more nodes than any cluster has; use an integer from 0 to 100,000 or a percentage up to 100%, such as "25%"']);
  assert.deepEqual(problems({ 16: '      canary: -1' }), ['plans/weekly.yaml:16:15: spec.phases[0].canary: -1 is below 0; use a whole number from 0 to 100,000']);
  assert.deepEqual(problems({ 16: '      budgetWaitRounds: 1000' }), ['plans/weekly.yaml:16:25: spec.phases[0].budgetWaitRounds: 1000 is over 100; use a whole number from 0 to 100']);
  assert.deepEqual(problems({ 16: '      canary: 1.5' }), ['plans/weekly.yaml:16:15: spec.phases[0].canary: 1.5 is not a whole number; use a whole number from 0 to 100,000']);
  assert.deepEqual(problems({ 20: '  traffic: {provider: manual, restore: {steps: [10, 120]}}' }), ['plans/weekly.yaml:20:53: spec.traffic.restore.steps[1]: 120 is over 100; use a whole number from 1 to 100']);
});

test('a label selector that does not parse names the bad part and shows a good one', () => {
  assert.deepEqual(problems({ 16: '      selector: "pool in general"' }), [
    'plans/weekly.yaml:16:17: spec.phases[0].selector: unable to parse requirement "pool in general": invalid label key "pool in general"; write a label selector such as "!node-role.kubernetes.io/control-plane" or "pool=general"',
  ]);
});

test('a time zone that does not exist asks for an IANA name', () => {
  assert.deepEqual(problems({ 20: '  window:\n    timezone: Europe/Berln\n    allow: [{start: "09:00", end: "16:00"}]' }), [
    'plans/weekly.yaml:21:15: spec.window.timezone: "Europe/Berln" is not a time zone; write an IANA name such as "Europe/Berlin" or "UTC"',
  ]);
});

test('window times, days and dates that are not well formed each get their own line', () => {
  assert.deepEqual(problems({ 20: '  window:\n    allow: [{days: [Mon, Tues], start: "9:00", end: "24:00"}]\n    exclude: [{from: 2026-13-01, to: 2027-01-06}]' }), [
    'plans/weekly.yaml:21:26: spec.window.allow[0].days[1]: "Tues" is not allowed; write one of "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"',
    'plans/weekly.yaml:21:40: spec.window.allow[0].start: write a time of day as "HH:MM", such as "09:00" (got "9:00")',
    'plans/weekly.yaml:21:53: spec.window.allow[0].end: write a time of day as "HH:MM", such as "09:00" (got "24:00")',
    'plans/weekly.yaml:22:22: spec.window.exclude[0].from: "2026-13-01" is not a date; write it as YYYY-MM-DD',
  ]);
});

test('an unknown gate type lists the gate types there are', () => {
  assert.deepEqual(problems({ 18: '    - type: kubectl' }), ['plans/weekly.yaml:18:13: spec.gates[0].type: "kubectl" is not allowed; write one of "kube", "http", "prometheus", "command", "gitops"']);
});

test('a prometheus gate without max or min is reported at the gate with the fix', () => {
  assert.deepEqual(problems({ 18: '    - type: prometheus', 19: '      url: http://127.0.0.1:9090\n      query: sum(rate(errors[5m]))' }), ['plans/weekly.yaml:18:7: spec.gates[0]: a prometheus gate needs a threshold; set max, min or both']);
});

test('a node command may use only the names the engine fills in; another is refused at load, at the command', () => {
  // Given a typo in a node command: before, it reached the shell as written ("ssh {{node.nmae}} ...")
  assert.deepEqual(problems({ 16: '      action: {type: command, run: "ssh {{node.nmae}} sudo systemctl reboot"}' }), [
    'plans/weekly.yaml:16:36: spec.phases[0].action.run: "ssh {{node.nmae}} sudo systemctl reboot" uses {{node.nmae}}, which is not a known variable; known variables: cluster, node.name, operation, run.id, version',
  ]);
  const run = accepted({ 16: '      action: {type: command, run: "ssh {{node.name}} sudo upgrade {{version}} {{ cluster }} {{run.id}} {{operation}}"}' }).plan.spec.phases[0];
  assert.ok(run?.type === 'nodes' && run.action.type === 'command');
  // A gate command knows the cluster it judges, and nothing else
  assert.equal(accepted({ 18: '    - type: command', 19: '      run: ./smoke.sh {{cluster}}' }).plan.spec.gates[0]?.type, 'command');
  assert.deepEqual(problems({ 18: '    - type: command', 19: '      run: ./smoke.sh {{node.name}}' }), [
    'plans/weekly.yaml:19:12: spec.gates[0].run: "./smoke.sh {{node.name}}" uses {{node.name}}, which is not a known variable; known variables: cluster',
  ]);
});

test('two clusters with the same name: the second one is named, at its name', () => {
  assert.deepEqual(problems({ 9: '    - name: eu-central' }), ['plans/weekly.yaml:9:13: spec.clusters[1].name: cluster "eu-central" appears twice; give each cluster its own name']);
});

test('an empty phases list is reported at the list', () => {
  assert.deepEqual(problems({ 10: '  phases: []', 11: '', 12: '', 13: '', 14: '', 15: '', 16: '' }), ['plans/weekly.yaml:10:11: spec.phases: Too small: expected array to have >=1 items (got [])']);
});

test('a command action without run asks for it; an empty run is too short', () => {
  assert.deepEqual(problems({ 16: '      action: {type: command}' }), ['plans/weekly.yaml:16:15: spec.phases[0].action.run: required field is missing; add it (string)']);
  assert.deepEqual(problems({ 16: '      action: {type: command, run: ""}' }), ['plans/weekly.yaml:16:36: spec.phases[0].action.run: Too small: expected string to have >=1 characters (got "")']);
});

test('wrong literals, enums and names say what is allowed', () => {
  assert.deepEqual(problems({ 1: 'apiVersion: daylight.dev/v1' }), ['plans/weekly.yaml:1:13: apiVersion: "daylight.dev/v1" is not allowed; write one of "daylight.dev/v1alpha1"']);
  assert.deepEqual(problems({ 4: '  name: Weekly_Patch' }), ['plans/weekly.yaml:4:9: metadata.name: use lower-case letters, digits and "-", starting and ending with a letter or digit (got "Weekly_Patch")']);
  assert.deepEqual(problems({ 15: '        timeout: 10m\n        onTimeout: retry' }), ['plans/weekly.yaml:16:20: spec.phases[0].drain.onTimeout: "retry" is not allowed; write one of "fail", "skip", "quarantine", "force"']);
  assert.deepEqual(problems({ 16: '      action: {type: ansible}' }), ['plans/weekly.yaml:16:22: spec.phases[0].action.type: "ansible" is not allowed; write one of "agent", "command", "external"']);
  assert.deepEqual(problems({ 12: '      type: helm' }), ['plans/weekly.yaml:12:13: spec.phases[0].type: "helm" is not allowed; write one of "nodes", "kubernetes", "platform"']);
});

test('every problem in a file is reported at once, each on its own line', () => {
  // (the check across fields, duplicate names, runs once the fields themselves are well formed)
  assert.deepEqual(problems({ 9: '    - name: eu-west', 13: '      maxUnavailable: 120%', 15: '        timeout: 10', 18: '    - type: kubectl' }), [
    'plans/weekly.yaml:13:23: spec.phases[0].maxUnavailable: "120%" is over 100%; use an integer or a percentage up to 100%',
    'plans/weekly.yaml:15:18: spec.phases[0].drain.timeout: 10 has no unit; write a duration such as "10m" (units: ms, s, m, h)',
    'plans/weekly.yaml:18:13: spec.gates[0].type: "kubectl" is not allowed; write one of "kube", "http", "prometheus", "command", "gitops"',
  ]);
});

test('the run\'s lease duration is whole seconds from 10s to 1h; anything else says what to write', () => {
  // Given a plan asking for a 15-second lease, as client-go's leader election defaults to, and the bounds
  assert.equal(accepted({ 20: '  lease: {duration: 15s}' }).plan.spec.lease.duration.ms, 15_000);
  assert.equal(accepted({ 20: '  lease: {duration: 10s}' }).plan.spec.lease.duration.ms, 10_000);
  assert.equal(accepted({ 20: '  lease: {duration: 1h}' }).plan.spec.lease.duration.ms, 3_600_000);
  assert.equal(accepted({ 20: '  lease: {}' }).plan.spec.lease.duration.toString(), '1m');
  // Then too short to renew, too long after a crash, a fraction of a second, no unit or another field are refused at the field
  const range = 'write whole seconds from 10s to 1h, such as 15s or 1m';
  assert.deepEqual(problems({ 20: '  lease: {duration: 5s}' }), [`plans/weekly.yaml:20:21: spec.lease.duration: 5s is too short to renew in time (every third of it, retried every fifteenth); ${range}`]);
  assert.deepEqual(problems({ 20: '  lease: {duration: 61m}' }), [`plans/weekly.yaml:20:21: spec.lease.duration: 1h1m would keep every other run out that long after a crash; ${range}`]);
  assert.deepEqual(problems({ 20: '  lease: {duration: 15500ms}' }), [`plans/weekly.yaml:20:21: spec.lease.duration: 15.5s is not a whole number of seconds (a Lease counts whole seconds); ${range}`]);
  assert.deepEqual(problems({ 20: '  lease: {duration: 15}' }), ['plans/weekly.yaml:20:21: spec.lease.duration: 15 has no unit; write a duration such as "1m" (units: ms, s, m, h)']);
  assert.deepEqual(problems({ 20: '  lease: {durationSeconds: 15}' }), ['plans/weekly.yaml:20:11: spec.lease.durationSeconds: unknown field; remove it (fields here: duration)']);
});

// -------------------------------------------------------------------------------------- YAML mistakes

test('YAML that does not parse is reported at the character, with the fix where there is one', () => {
  assert.deepEqual(problems({ 15: '\ttimeout: 10m' }).slice(0, 1), ['plans/weekly.yaml:15:1: Tabs are not allowed as indentation; indent with spaces']);
  assert.deepEqual(problems({ 16: '      type: nodes' }), ['plans/weekly.yaml:16:7: Map keys must be unique; remove or rename the second one']);
  // (an unclosed flow sequence is found where the file ends)
  assert.deepEqual(problems({ 19: '      check: [nodes-ready' }), ['plans/weekly.yaml:21:1: Flow sequence in block collection must be sufficiently indented and end with a ]']);
});

test('an alias to an anchor that is not defined is reported at the alias, as bad input', () => {
  assert.deepEqual(problems({ 13: '      maxUnavailable: *budget' }), ['plans/weekly.yaml:13:23: Unresolved alias (the anchor must be set before the alias): budget; define the anchor &budget before the alias that uses it']);
  // (an anchor that is defined is fine)
  const phase = accepted({ 13: '      maxUnavailable: &budget 2', 16: '      canary: *budget' }).plan.spec.phases[0];
  assert.equal(phase?.type === 'nodes' ? phase.canary : undefined, 2);
});

test('a value or key with line breaks in it keeps its problem on one line', () => {
  assert.deepEqual(problems({ 16: '      selector: "bad key\\nmore"' }), [
    'plans/weekly.yaml:16:17: spec.phases[0].selector: unable to parse requirement "bad key\\nmore": invalid label key "bad key\\nmore"; write a label selector such as "!node-role.kubernetes.io/control-plane" or "pool=general"',
  ]);
  const [only, ...rest] = problems({ 16: '      ? |\n        two\n        lines\n      : 2' });
  assert.deepEqual(rest, []);
  assert.match(only ?? '', /^plans\/weekly\.yaml:16:9: spec\.phases\[0\]\."two\\nlines\\n": unknown field; remove it \(fields here: name, type, .*\)$/);
});

test('an empty file says every top-level field is missing', () => {
  try {
    parsePlan(FILE, '');
    assert.fail('accepted');
  } catch (e: unknown) {
    assert.ok(e instanceof UserError);
    assert.deepEqual(e.message.split('\n'), [
      'plans/weekly.yaml:1:1: apiVersion: required field is missing; add it with the value "daylight.dev/v1alpha1"',
      'plans/weekly.yaml:1:1: kind: required field is missing; add it with the value "MaintenancePlan"',
      'plans/weekly.yaml:1:1: metadata: required field is missing; add it (object)',
      'plans/weekly.yaml:1:1: spec: required field is missing; add it (object)',
    ]);
  }
});

test('rebootAfter belongs to an agent\'s patch: needed or always there, and refused on a reboot with where and why', () => {
  const phase = accepted({ 16: '      action: {type: agent, operation: patch, rebootAfter: always}' }).plan.spec.phases[0];
  assert.deepEqual(phase?.type === 'nodes' && phase.action, { type: 'agent', operation: 'patch', rebootAfter: 'always' });
  assert.deepEqual(problems({ 16: '      action: {type: agent, operation: reboot, rebootAfter: always}' }), ['plans/weekly.yaml:16:61: spec.phases[0].action.rebootAfter: rebootAfter is for operation: patch (a reboot always reboots, an upgrade restarts the kubelet) (got {"type":"agent","operation":"reboot","rebootAfter":"always"})']);
  assert.match(problems({ 16: '      action: {type: agent, operation: patch, rebootAfter: sometimes}' })[0] ?? '', /spec\.phases\[0\]\.action\.rebootAfter: .*needed.*always/);
});

// ------------------------------------------------------------------------------------------------ approvals

test('approval gates: before a phase, before each region of a regional phase, before each wave; onTimeout defaults to reject', () => {
  // Given a phase with an approval at each of its three points
  const { plan } = accepted({ 16: '      regional: true\n      before: [{type: approval, name: change board, timeout: 4h, message: "CAB ticket approved?"}]\n      beforeEachRegion: [{type: approval}]\n      beforeEachWave: [{type: approval, timeout: 30m, onTimeout: approve}]', 9: '    - name: eu-west', 20: '  traffic: {provider: sandbox}' });
  const phase = plan.spec.phases[0];
  assert.ok(phase?.type === 'nodes');
  // Then each is kept as written, with the default answer at timeout
  assert.deepEqual(phase.before?.map((g) => ({ ...g, timeout: g.timeout?.toString() })), [{ type: 'approval', name: 'change board', timeout: '4h', onTimeout: 'reject', message: 'CAB ticket approved?' }]);
  assert.deepEqual(phase.beforeEachRegion, [{ type: 'approval', onTimeout: 'reject' }]);
  assert.deepEqual(phase.beforeEachWave?.map((g) => ({ ...g, timeout: g.timeout?.toString() })), [{ type: 'approval', timeout: '30m', onTimeout: 'approve' }]);
  // And a phase without them has none (nothing is filled in)
  const plain = accepted().plan.spec.phases[0];
  assert.equal(plain?.type === 'nodes' ? plain.before : 'not a nodes phase', undefined);
});

test('approval gates refuse unknown fields, other gate types, a bad timeout, and points that do not fit the phase, each with its path', () => {
  assert.deepEqual(problems({ 16: '      before: [{type: approval, timout: 1h}]' }), ['plans/weekly.yaml:16:33: spec.phases[0].before[0].timout: unknown field; did you mean "timeout"?']);
  assert.deepEqual(problems({ 16: '      before: [{type: approval, onTimeout: ignore, timeout: 1h}]' }), ['plans/weekly.yaml:16:44: spec.phases[0].before[0].onTimeout: "ignore" is not allowed; write one of "reject", "approve"']);
  assert.deepEqual(problems({ 16: '      before: [{type: approval, onTimeout: approve}]' }), ['plans/weekly.yaml:16:44: spec.phases[0].before[0].onTimeout: onTimeout: approve needs a timeout to act on; add timeout (such as "4h"), or remove onTimeout']);
  assert.deepEqual(problems({ 16: '      before: [{type: approval, timeout: 30}]' }), ['plans/weekly.yaml:16:42: spec.phases[0].before[0].timeout: 30 has no unit; write a duration such as "4h" (units: ms, s, m, h)']);
  assert.deepEqual(problems({ 16: '      before: [{type: kube, check: nodes-ready}]' }), ['plans/weekly.yaml:16:23: spec.phases[0].before[0].type: "kube" is not allowed; write one of "approval"']);
  assert.deepEqual(problems({ 16: '      beforeEachRegion: [{type: approval}]' }), ['plans/weekly.yaml:16:25: spec.phases[0].beforeEachRegion: beforeEachRegion is asked before a region leaves traffic, and this phase is not regional; set regional: true, or use before (once before the phase)']);
  assert.deepEqual(problems({ 16: '      before: [{type: approval}, {type: approval}]' }), ['plans/weekly.yaml:16:15: spec.phases[0].before: one approval per point: name everyone who must agree in its message (got [{"type":"approval"},{"type":"approval"}])']);
  assert.deepEqual(problems({ 16: '      beforeEachWaves: [{type: approval}]' }), ['plans/weekly.yaml:16:7: spec.phases[0].beforeEachWaves: unknown field; did you mean "beforeEachWave"?']);
});
