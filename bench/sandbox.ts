// Benchmark of the sandbox on examples/fleets/large.yaml (1,000 workers, ~30,000 pods). The sandbox runs
// in its own process (`daylight sandbox up`), as a user runs it; this process only measures.
//   1. wall time from start to every pod Ready, against the simulated time that took at the fleet's speed;
//   2. `kubectl get pods -A`, against the same answers replayed from memory by a proxy (the peer: the
//      fastest any API server could answer); also the sandbox's own share of it, from kubectl's -v=6 log;
//   3. one simulated hour at speed 600 while ten nodes a minute are rebooted through the agent protocol,
//      against the real-time budget (3600 s / 600 = 6 s);
//   4. peak RSS of the sandbox process, against the 1.5 GiB goal.
// Run: npm run bench:sandbox [-- --fleet FILE --runs N]
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startReplayProxy } from './replay-proxy.ts';
import { call, peakRss as sandboxPeakRss, poll, startSandboxChild } from './sandbox-child.ts';
import type { SandboxChild as Sandbox, SandboxStatus as Status } from './sandbox-child.ts';

const { values } = parseArgs({ options: { fleet: { type: 'string', default: 'examples/fleets/large.yaml' }, runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const SPEED = 600;

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly peer: string;
  readonly ratio: number;
  readonly goal: string;
  readonly met: boolean | undefined;
}
const rows: Row[] = [];
const progress = (what: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}\n`);


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}




async function start(dir: string): Promise<Sandbox & { cache: string }> {
  const t0 = performance.now();
  const s = { ...(await startSandboxChild({ fleet: values.fleet as string, speed: SPEED, dir })), cache: join(dir, 'cache') };
  const first = (await poll(s, () => true, 1000)).simulatedTime;
  const st = await poll(s, (x) => x.allPodsReady, 600_000);
  const wall = (performance.now() - t0) / 1000;
  const simSeconds = (Date.parse(st.simulatedTime) - Date.parse(first)) / 1000;
  const pods = Object.values(st.regions).reduce((n, r) => n + r.pods.total, 0);
  const budget = simSeconds / SPEED;
  rows.push({ measure: `start to all ${pods} pods Ready${st.allPodsReady ? '' : ' (NOT REACHED)'}`, value: `${wall.toFixed(2)} s`, peer: `${budget.toFixed(2)} s (${simSeconds.toFixed(0)} simulated s at ${SPEED}×)`, ratio: wall / budget, goal: '-', met: undefined });
  return s;
}

/** Runs kubectl; returns its wall time, output lines and the API's own time from the -v=6 log. */
function kubectl(kubeconfig: string, cache: string, args: string[]): Promise<{ ms: number; serverMs: number; lines: number; ok: boolean }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, '-v=6', ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, KUBECACHEDIR: cache } }, (error, stdout, stderr) => {
      const serverMs = [...stderr.matchAll(/ in (\d+) milliseconds/g)].reduce((n, m) => n + Number(m[1]), 0);
      resolve({ ms: performance.now() - t0, serverMs, lines: stdout.split('\n').filter(Boolean).length, ok: !error });
    });
  });
}

async function repeat<T>(n: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

async function getPods(s: Sandbox & { cache: string }, dir: string): Promise<void> {
  const config = await readFile(s.kubeconfig, 'utf8');
  const proxy = await startReplayProxy(s.api, s.ca);
  const proxied = join(dir, 'replay.kubeconfig');
  const ca = Buffer.from(proxy.caPem).toString('base64');
  await writeFile(proxied, config.replaceAll(s.api, proxy.url).replace(/certificate-authority-data: \S+/g, `certificate-authority-data: ${ca}`));
  for (const [label, args] of [['kubectl get pods -A', ['get', 'pods', '-A']], ['kubectl get pods -A --chunk-size=0', ['get', 'pods', '-A', '--chunk-size=0']]] as const) {
    await kubectl(s.kubeconfig, s.cache, ['get', 'nodes', '-o', 'name']);
    const live = await repeat(runs, () => kubectl(s.kubeconfig, s.cache, [...args]));
    await kubectl(proxied, join(dir, 'cache-replay'), ['get', 'nodes', '-o', 'name']);
    await kubectl(proxied, join(dir, 'cache-replay'), [...args]);
    proxy.replay(true);
    const replayed = await repeat(runs, () => kubectl(proxied, join(dir, 'cache-replay'), [...args]));
    proxy.replay(false);
    const a = median(live.map((r) => r.ms));
    const b = median(replayed.map((r) => r.ms));
    const server = median(live.map((r) => r.serverMs));
    rows.push({ measure: `${label} (${(live[0]?.lines ?? 1) - 1} rows, median of ${runs})`, value: `${(a / 1000).toFixed(2)} s`, peer: `${(b / 1000).toFixed(2)} s (replayed from memory)`, ratio: a / b, goal: '< 2 s', met: a < 2000 && live.every((r) => r.ok) });
    rows.push({ measure: `  of which the sandbox answered requests`, value: `${(server / 1000).toFixed(2)} s`, peer: `${(a / 1000).toFixed(2)} s (kubectl wall time)`, ratio: server / a, goal: '< 2 s', met: server < 2000 });
  }
  await proxy.close();
}

/** One simulated hour while ten nodes a simulated minute are rebooted through the node agent protocol. */
async function oneHour(s: Sandbox): Promise<void> {
  const nodes = ((await call(s, 'GET', '/api/v1/nodes?labelSelector=!node-role.kubernetes.io/control-plane')) as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name);
  const begin = Date.parse(((await call(s, 'GET', '/sandbox/v1/status')) as Status).simulatedTime);
  const t0 = performance.now();
  let minute = -1;
  await poll(s, (st) => {
    const elapsed = Date.parse(st.simulatedTime) - begin;
    for (; minute < Math.min(59, Math.floor(elapsed / 60_000)); ) {
      minute++;
      for (const name of nodes.slice((minute * 10) % nodes.length, (minute * 10) % nodes.length + 10)) {
        const action = JSON.stringify({ id: `bench/${name}/${minute}`, operation: 'reboot' });
        call(s, 'PATCH', `/api/v1/nodes/${name}`, { metadata: { annotations: { 'daylight.dev/action': action } } }).catch(() => undefined);
      }
    }
    return elapsed >= 3600_000;
  }, 300_000);
  const wall = (performance.now() - t0) / 1000;
  const referee = (await call(s, 'GET', '/sandbox/v1/referee')) as { reboots: Record<string, number>; podsKilledWithoutEviction: number };
  const reboots = Object.values(referee.reboots).reduce((a, b) => a + b, 0);
  rows.push({ measure: `1 simulated hour at ${SPEED}× (${reboots} reboots, ${referee.podsKilledWithoutEviction} pods killed)`, value: `${wall.toFixed(2)} s`, peer: `${(3600 / SPEED).toFixed(2)} s (real-time budget)`, ratio: wall / (3600 / SPEED), goal: '< 10 s', met: wall < 10 });
}

async function peakRss(s: Sandbox): Promise<void> {
  const peak = await sandboxPeakRss(s);
  const goal = 1.5 * 2 ** 30;
  rows.push({ measure: 'peak RSS of the sandbox process', value: `${(peak / 2 ** 20).toFixed(0)} MiB`, peer: '1536 MiB (goal)', ratio: peak / goal, goal: '< 1.5 GiB', met: peak > 0 && peak < goal });
}

const dir = await mkdtemp(join(tmpdir(), 'daylight-bench-'));
progress(`starting the sandbox on ${values.fleet} and waiting until every pod is Ready`);
const sandbox = await start(dir);
try {
  progress('kubectl get pods -A, live and replayed');
  await getPods(sandbox, dir);
  progress('one simulated hour with reboots');
  await oneHour(sandbox);
  await peakRss(sandbox);
} finally {
  sandbox.child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

const header = ['measure', 'value', 'peer', 'ratio', 'goal', 'met'];
const table = rows.map((r) => [r.measure, r.value, r.peer, `${r.ratio.toFixed(2)}×`, r.goal, r.met === undefined ? '-' : r.met ? 'yes' : 'NO']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] as string).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
console.log(`sandbox benchmark, fleet ${values.fleet}, node ${process.version}`);
console.log(line(header));
for (const row of table) console.log(line(row));
