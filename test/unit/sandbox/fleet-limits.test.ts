// Bounds on a fleet file as a user meets them: sizes past what one sandbox process can hold, negative
// amounts and budgets over 100% are each refused with `file:line:column` and the fix, before anything is
// built; through the CLI, `sandbox up` exits 2 within seconds instead of building until memory runs out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../../src/lib/errors.ts';
import { parseFleet } from '../../../src/sandbox/fleet-load.ts';

const BIN = fileURLToPath(new URL('../../../bin/daylight.js', import.meta.url));
const FILE = 'fleets/big.yaml';

/** A one-region fleet; `zone`, `node` and `workloads` replace its parts, each on its own line (7, 8, 10...). */
function fleetText(o: { zone?: string; node?: string; regions?: readonly string[]; workloads?: readonly string[] } = {}): string {
  const regions = o.regions ?? [`    - {name: a, zones: [${o.zone ?? '{name: z1, racks: 2, nodesPerRack: 3}'}], node: ${o.node ?? '{cpu: "8", memory: 32Gi}'}}`];
  return [
    'apiVersion: sandbox.daylight.dev/v1alpha1', // 1
    'kind: Fleet', // 2
    'metadata: {name: big}', // 3
    'spec:', // 4
    '  regions:', // 5
    ...regions, // 6...
    '  workloads:',
    ...(o.workloads ?? ['    - {name: web, kind: Deployment, replicas: 3}']),
    '',
  ].join('\n');
}

function problems(text: string): string[] {
  try {
    parseFleet(FILE, text);
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the fleet was accepted');
}

test('the base fleet is accepted', () => {
  assert.equal(parseFleet(FILE, fleetText()).spec.regions[0]?.zones[0]?.nodesPerRack, 3);
});

test('nodesPerRack, racks and control-plane nodes past a region\'s limit name the limit', () => {
  assert.deepEqual(problems(fleetText({ zone: '{name: z1, nodesPerRack: 100000000}' })), [
    "fleets/big.yaml:6:50: spec.regions[0].zones[0].nodesPerRack: 100000000 is over the sandbox's limit of 5,000 nodes per region; use a whole number from 1 to 5,000",
  ]);
  assert.deepEqual(problems(fleetText({ zone: '{name: z1, racks: -2, nodesPerRack: 3}' })), [
    'fleets/big.yaml:6:43: spec.regions[0].zones[0].racks: -2 is below 1; use a whole number from 1 to 5,000',
  ]);
});

test('a region or a fleet with more nodes than the sandbox holds is refused at the zones, with the total', () => {
  assert.deepEqual(problems(fleetText({ zone: '{name: z1, racks: 100, nodesPerRack: 60}' })), [
    `fleets/big.yaml:6:24: spec.regions[0].zones: region "a" has 6,001 nodes, over the sandbox's limit of 5,000 per region; use fewer racks or nodesPerRack, or split it into more regions`,
  ]);
  const regions = ['a', 'b', 'c', 'd', 'e'].map((r) => `    - {name: ${r}, zones: [{name: ${r}1, racks: 10, nodesPerRack: 450}]}`);
  assert.deepEqual(problems(fleetText({ regions })), [
    "fleets/big.yaml:6:5: spec.regions: the fleet has 22,505 nodes, over the sandbox's limit of 20,000; use fewer regions, racks or nodesPerRack",
  ]);
});

test('a fleet of 50 small regions, one cluster each, is accepted; one region past the limit of 64 is refused with it', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `    - {name: r${i}, zones: [{name: r${i}-a, nodesPerRack: 10}]}`);
  assert.equal(parseFleet(FILE, fleetText({ regions: many(50) })).spec.regions.length, 50);
  assert.deepEqual(problems(fleetText({ regions: many(65) })), [
    "fleets/big.yaml:6:5: spec.regions: more regions than the sandbox's limit of 64; use fewer regions",
  ]);
});

test('pods past the fleet\'s limit are counted as the sandbox makes them: replicas per region, a DaemonSet on every node', () => {
  const regions = ['a', 'b'].map((r) => `    - {name: ${r}, zones: [{name: ${r}1, racks: 10, nodesPerRack: 100}]}`);
  // 2 regions × (60,000 replicas + 1,001 DaemonSet pods) + 80,000 replicas of a workload in one region
  const workloads = ['    - {name: web, kind: Deployment, replicas: 60000}', '    - {name: agent, kind: DaemonSet}', '    - {name: api, kind: Deployment, replicas: 80000, regions: [a]}'];
  assert.deepEqual(problems(fleetText({ regions, workloads })), [
    "fleets/big.yaml:9:5: spec.workloads: the workloads make 202,002 pods in the fleet (DaemonSets one per node), over the sandbox's limit of 200,000; use fewer replicas or workloads",
  ]);
  assert.deepEqual(problems(fleetText({ workloads: ['    - {name: web, kind: Deployment, replicas: -1}'] })), [
    'fleets/big.yaml:8:47: spec.workloads[0].replicas: -1 is below 0; use a whole number from 0 to 200,000',
  ]);
});

test('negative or endless quantities, pods per node and waits are refused with what to write', () => {
  assert.deepEqual(problems(fleetText({ node: '{cpu: "-2", memory: -512Mi, pods: 5000, rebootSeconds: 1e12}' })), [
    'fleets/big.yaml:6:77: spec.regions[0].node.cpu: "-2" is negative; write an amount from 0, such as "8"',
    'fleets/big.yaml:6:91: spec.regions[0].node.memory: "-512Mi" is negative; write an amount from 0, such as "32Gi"',
    "fleets/big.yaml:6:105: spec.regions[0].node.pods: 5000 is over the sandbox's limit of 1,000 pods per node; use a whole number from 1 to 1,000",
    'fleets/big.yaml:6:126: spec.regions[0].node.rebootSeconds: 1000000000000 is over 30 days; write seconds from 0 to 2592000 (30 days)',
  ]);
  assert.deepEqual(problems(fleetText({ workloads: ['    - {name: web, kind: Deployment, cpu: "1e400", memory: 1e400}'] })), [
    'fleets/big.yaml:8:42: spec.workloads[0].cpu: "1e400" is too large; write an amount from 0, such as "500m"',
    'fleets/big.yaml:8:59: spec.workloads[0].memory: Infinity is not a quantity; write it like "512Mi"',
  ]);
});

test('budgets and rolling updates take a count of pods or a percentage up to 100%', () => {
  assert.deepEqual(problems(fleetText({ workloads: ['    - {name: web, kind: Deployment, replicas: 3, pdb: {minAvailable: 180%}}'] })), [
    'fleets/big.yaml:8:70: spec.workloads[0].pdb.minAvailable: "180%" is over 100%; use an integer from 0 to 200,000 or a percentage up to 100%, such as "80%"',
  ]);
  assert.deepEqual(problems(fleetText({ workloads: ['    - {name: web, kind: Deployment, replicas: 3, pdb: {maxUnavailable: -1}, strategy: {maxSurge: 250%}}'] })), [
    'fleets/big.yaml:8:72: spec.workloads[0].pdb.maxUnavailable: -1 is not a count of pods; use an integer from 0 to 200,000 or a percentage up to 100%, such as "80%"',
    'fleets/big.yaml:8:98: spec.workloads[0].strategy.maxSurge: "250%" is over 100%; use an integer from 0 to 200,000 or a percentage up to 100%, such as "80%"',
  ]);
});

/** `daylight sandbox up --fleet FILE`: its exit code, what it printed, and how long it took. */
function sandboxUp(file: string): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  return daylight(['sandbox', 'up', '--fleet', file, '--port', '0']);
}

/**
 * `daylight ARGS` in a child with a 96 MB heap: exit, stderr and wall time. An oversized fleet used to run
 * 70 s into a V8 heap abort; with a small heap, building any part of such a fleet aborts at once, so
 * exit 2 with a position proves it was refused from the file alone. Killed after 60 s: a kill is a failure.
 */
function daylight(args: readonly string[]): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=96', BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stderr, ms: performance.now() - started });
    });
  });
}

test('sandbox up on an oversized or negative fleet exits 2 with file:line:column before building anything, never an abort', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-fleet-limits-'));
  try {
    const cases: Record<string, string> = {
      'nodes-per-rack': fleetText({ zone: '{name: z1, nodesPerRack: 100000000}' }),
      'negative-memory': fleetText({ node: '{memory: -512Mi}' }),
      'budget-over-100': fleetText({ workloads: ['    - {name: web, kind: Deployment, replicas: 3, pdb: {minAvailable: 180%}}'] }),
      'negative-replicas': fleetText({ workloads: ['    - {name: web, kind: Deployment, replicas: -3}'] }),
      'fleet-too-big': fleetText({ regions: ['a', 'b', 'c', 'd', 'e'].map((r) => `    - {name: ${r}, zones: [{name: ${r}1, racks: 10, nodesPerRack: 450}]}`) }),
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, text);
      // When the user starts a sandbox on it, in a process whose heap could not hold such a fleet
      const r = await sandboxUp(file);
      // Then it is refused as bad input, at a position in the file, before any of the fleet is built
      assert.equal(r.signal, null, `${name}: ended by ${r.signal} after ${Math.round(r.ms)} ms\n${r.stderr}`);
      assert.equal(r.code, 2, `${name}: exit code after ${Math.round(r.ms)} ms\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^daylight: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `), name);
      assert.doesNotMatch(r.stderr, /^\s+at |FATAL ERROR|heap out of memory/m, `${name}: no stack trace, no abort`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
