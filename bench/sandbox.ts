// Benchmark of the sandbox on examples/fleets/large.yaml (1,000 workers, ~30,000 pods):
//   1. wall time from start to every pod Ready, against the simulated time that took at the fleet's speed;
//   2. `kubectl get pods -A` against the sandbox, against the same answers replayed from memory (the peer);
//   3. one simulated hour at speed 600 with node reboots every minute, against the real-time budget (6 s);
//   4. peak RSS, against the 1.5 GiB goal.
// Run: npm run bench:sandbox [-- --fleet FILE]
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFleetFile } from '../src/sandbox/fleet-load.ts';
import type { Node } from '../src/sandbox/k8s-types.ts';
import { startSandbox } from '../src/sandbox/sandbox.ts';
import type { RunningSandbox } from '../src/sandbox/sandbox.ts';
import { ACTION_ANNOTATION } from '../src/sandbox/sim/node-status.ts';
import { startReplayProxy } from './replay-proxy.ts';

const { values } = parseArgs({ options: { fleet: { type: 'string', default: 'examples/fleets/large.yaml' }, runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly peer: string;
  readonly ratio: number;
  readonly goal: string;
  readonly met: boolean | undefined;
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function waitFor(check: () => boolean, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Runs kubectl without blocking the event loop: the sandbox serves it from this very process. */
function kubectl(kubeconfig: string, cache: string, args: string[]): Promise<{ ms: number; lines: number; ok: boolean }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, KUBECACHEDIR: cache } }, (error, stdout) => {
      resolve({ ms: performance.now() - t0, lines: stdout.split('\n').filter(Boolean).length, ok: !error });
    });
  });
}

async function repeat<T>(n: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

async function startToReady(): Promise<RunningSandbox> {
  const fleet = await loadFleetFile(values.fleet as string);
  const t0 = performance.now();
  const sandbox = await startSandbox({ fleet, port: 0 });
  const simStart = sandbox.fleet.clock.nowMs();
  const ok = await waitFor(() => sandbox.fleet.allPodsReady(), 600_000);
  const wall = (performance.now() - t0) / 1000;
  const simSeconds = (sandbox.fleet.clock.nowMs() - simStart) / 1000;
  const pods = sandbox.fleet.regions.reduce((n, r) => n + r.store.count('pods'), 0);
  const budget = simSeconds / sandbox.speed;
  rows.push({ measure: `start to all ${pods} pods Ready${ok ? '' : ' (NOT REACHED)'}`, value: `${wall.toFixed(2)} s`, peer: `${budget.toFixed(2)} s (${simSeconds.toFixed(0)} simulated s at ${sandbox.speed}×)`, ratio: wall / budget, goal: '-', met: undefined });
  return sandbox;
}

async function getPods(sandbox: RunningSandbox, dir: string): Promise<void> {
  const kubeconfig = join(dir, 'sandbox.kubeconfig');
  await writeFile(kubeconfig, sandbox.kubeconfig);
  const region = sandbox.fleet.regions[0]?.name as string;
  const server = sandbox.servers.get(region)?.url as string;
  await kubectl(kubeconfig, join(dir, 'cache-a'), ['get', 'nodes', '-o', 'name']);
  const live = await repeat(runs, () => kubectl(kubeconfig, join(dir, 'cache-a'), ['get', 'pods', '-A']));
  const proxy = await startReplayProxy(server, sandbox.tls);
  const proxied = join(dir, 'replay.kubeconfig');
  await writeFile(proxied, sandbox.kubeconfig.replace(server, proxy.url));
  await kubectl(proxied, join(dir, 'cache-b'), ['get', 'nodes', '-o', 'name']);
  await kubectl(proxied, join(dir, 'cache-b'), ['get', 'pods', '-A']);
  proxy.replay();
  const replayed = await repeat(runs, () => kubectl(proxied, join(dir, 'cache-b'), ['get', 'pods', '-A']));
  await proxy.close();
  const a = median(live.map((r) => r.ms));
  const b = median(replayed.map((r) => r.ms));
  const lines = live[0]?.lines ?? 0;
  rows.push({ measure: `kubectl get pods -A (${lines - 1} rows, median of ${runs})`, value: `${(a / 1000).toFixed(2)} s`, peer: `${(b / 1000).toFixed(2)} s (same answers replayed from memory)`, ratio: a / b, goal: '< 2 s', met: a < 2000 && live.every((r) => r.ok) });
}

/** One simulated hour on the real-time driver, with ten nodes rebooted through the agent protocol every minute. */
async function oneHour(sandbox: RunningSandbox): Promise<void> {
  const fleet = sandbox.fleet;
  const region = fleet.regions[0];
  if (!region) return;
  const workers = (region.store.list('nodes') as Node[]).filter((n) => !n.metadata.labels?.['node-role.kubernetes.io/control-plane']);
  let minute = 0;
  const churn = () => {
    for (let i = 0; i < 10; i++) {
      const node = region.store.get('nodes', undefined, workers[(minute * 10 + i) % workers.length]?.metadata.name ?? '') as Node | undefined;
      if (!node) continue;
      const action = JSON.stringify({ id: `bench/${node.metadata.name}/${minute}`, operation: 'reboot' });
      region.store.replace('nodes', { ...node, metadata: { ...node.metadata, annotations: { ...node.metadata.annotations, [ACTION_ANNOTATION]: action } } });
    }
    minute++;
    fleet.clock.after(60_000, churn);
  };
  churn();
  const speed = 600;
  fleet.stop();
  const target = fleet.clock.nowMs() + 3600_000;
  const t0 = performance.now();
  fleet.start(speed);
  await waitFor(() => fleet.clock.nowMs() >= target, 120_000);
  const wall = (performance.now() - t0) / 1000;
  fleet.stop();
  const reboots = Object.values(fleet.referee.report().reboots).reduce((a, b) => a + b, 0);
  rows.push({ measure: `1 simulated hour at ${speed}× (${reboots} reboots, ${fleet.referee.report().podsKilledWithoutEviction} pods killed)`, value: `${wall.toFixed(2)} s`, peer: `${(3600 / speed).toFixed(2)} s (real-time budget)`, ratio: wall / (3600 / speed), goal: '< 10 s', met: wall < 10 });
}

function peakRss(): void {
  const peak = process.resourceUsage().maxRSS * 1024;
  const goal = 1.5 * 2 ** 30;
  rows.push({ measure: 'peak RSS of the sandbox process', value: `${(peak / 2 ** 20).toFixed(0)} MiB`, peer: '1536 MiB (goal)', ratio: peak / goal, goal: '< 1.5 GiB', met: peak < goal });
}

const progress = (what: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}\n`);
const dir = await mkdtemp(join(tmpdir(), 'daylight-bench-'));
progress('starting the sandbox and waiting until every pod is Ready');
const sandbox = await startToReady();
try {
  progress('kubectl get pods -A, live and replayed');
  await getPods(sandbox, dir);
  progress('one simulated hour with reboots');
  await oneHour(sandbox);
  peakRss();
} finally {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
}

const header = ['measure', 'value', 'peer', 'ratio', 'goal', 'met'];
const table = rows.map((r) => [r.measure, r.value, r.peer, `${r.ratio.toFixed(2)}×`, r.goal, r.met === undefined ? '-' : r.met ? 'yes' : 'NO']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] as string).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
console.log(`sandbox benchmark, fleet ${values.fleet}`);
console.log(line(header));
for (const row of table) console.log(line(row));
process.exitCode = rows.every((r) => r.met !== false) ? 0 : 1;
