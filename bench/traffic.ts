// Regional traffic steering through a real HAProxy 2.6 in front of the sandbox's two region ingresses, under
// steady keep-alive load, side by side in one run:
//   - Daylight (the HAProxy adapter): drain time to 100% of new requests elsewhere, switch-back from a failed
//     proxy analysis (detection, actuation, total), failed requests per 100,000 in a maintenance of both regions;
//   - HAProxy's own health checks at their defaults (inter 2s fall 3 rise 2), run for real on a second HAProxy;
//   - DNS weights with a 60 s TTL, modelled on the same measured rate and outage schedule.
// Times come from HAProxy's counters sampled by the benchmark's own probe, cross-checked by the client's answers.
// A benchmark, not a test: it prints numbers and ratios and asserts nothing about time.
// Run: npm run bench:traffic [-- --cycles 20 --rps 400]
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { HaproxyTraffic } from '../src/traffic/haproxy.ts';
import { poll, startSandboxChild, type SandboxChild } from './sandbox-child.ts';
import { drainCycle, maintainRegion, switchBackCycle, type DrainMeasure, type RegionMaintenance, type SwitchBackMeasure } from './traffic-daylight.ts';
import { startLab, stopLab, waitEven, type Lab } from './traffic-lab.ts';
import { failed, startedBetween, startLoad, type Answer, type Load } from './traffic-load.ts';
import { dnsFailedPerOutage, dnsShiftMs, dnsSwitchBackMs, healthCheckRegion, type DnsModel, type FailoverMeasure } from './traffic-peers.ts';
import { percentile } from './traffic-probe.ts';

const { values } = parseArgs({
  options: {
    fleet: { type: 'string', default: 'examples/fleets/demo.yaml' },
    cycles: { type: 'string', default: '20' },
    rps: { type: 'string', default: '400' },
    maintenances: { type: 'string', default: '2' },
    'hc-maintenances': { type: 'string', default: '3' },
    'down-seconds': { type: 'string', default: '8' },
    'step-seconds': { type: 'string', default: '2' },
    'every-ms': { type: 'string', default: '200' },
    'sample-ms': { type: 'string', default: '10' },
    ttl: { type: 'string', default: '60' },
    reconcile: { type: 'string', default: '60' },
  },
});
const CYCLES = Number(values.cycles);
const RPS = Number(values.rps);
const MAINTENANCES = Number(values.maintenances);
const HC_MAINTENANCES = Number(values['hc-maintenances']);
const DOWN_MS = Number(values['down-seconds']) * 1000;
const STEP_MS = Number(values['step-seconds']) * 1000;
const EVERY_MS = Number(values['every-ms']);
const SAMPLE_MS = Number(values['sample-ms']);
const STEPS = [10, 50, 100];
/** HAProxy's health-check defaults (reference §2.3): both HAProxies run them; the peer relies on nothing else. */
const CHECKS = { inter: '2s', fall: 3, rise: 2 };
const DNS: DnsModel = { ttlMs: Number(values.ttl) * 1000, reconcileMs: 0 };
const DNS_RECONCILED: DnsModel = { ...DNS, reconcileMs: Number(values.reconcile) * 1000 };

const progress = (what: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}\n`);
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);
const p = (xs: readonly number[]) => [ms(percentile(xs, 50)), ms(percentile(xs, 99))] as const;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(a / b >= 100 ? 0 : 1)}×` : '∞');
const per100k = (n: number, of: number) => (of > 0 ? (n / of) * 100_000 : NaN);

const dir = await mkdtemp(join(tmpdir(), 'dl-traffic-'));
let sandbox: SandboxChild | undefined;
const open: { loads: Load[]; labs: Lab[]; traffic?: HaproxyTraffic } = { loads: [], labs: [] };
// on Ctrl-C the finally below does not run: end the sandbox here (the HAProxy helper ends its own children)
const killSandbox = () => {
  sandbox?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
process.once('exit', killSandbox);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

try {
  progress(`starting the sandbox on ${values.fleet}`);
  sandbox = await startSandboxChild({ fleet: values.fleet as string, speed: 60, dir });
  const ready = await poll(sandbox, (st) => st.allPodsReady, 120_000);
  if (!ready.allPodsReady) throw new Error('the sandbox\'s pods were not all Ready within 120 s');
  const regions = sandbox.regions;
  const [first, second] = regions;
  if (!first || !second || regions.length !== 2) throw new Error(`the benchmark needs a fleet of two regions; ${values.fleet} has ${regions.join(', ')}`);
  await mkdir(join(dir, 'a'));
  await mkdir(join(dir, 'b'));
  const lab = await startLab({ sandbox, dir: join(dir, 'a'), ...CHECKS, sampleMs: SAMPLE_MS });
  open.labs.push(lab);
  const traffic = new HaproxyTraffic({ runtimeApi: lab.haproxy.socket, backend: lab.haproxy.backend, servers: Object.fromEntries(regions.map((r) => [r, r])) });
  open.traffic = traffic;

  progress(`${CYCLES} drains, then ${CYCLES} switch-backs, at ${RPS} rps`);
  const load = track(startLoad({ url: `${lab.haproxy.url}/shop`, rps: RPS }));
  await sleep(1_000);
  await waitEven(lab);
  const drainsFrom = performance.now();
  const drains: DrainMeasure[] = [];
  for (let i = 0; i < CYCLES; i++) drains.push(await drainCycle(lab, traffic, load, regions[i % 2] as string));
  const drainsUntil = performance.now();
  const switchBacks: SwitchBackMeasure[] = [];
  for (let i = 0; i < CYCLES; i++) switchBacks.push(await switchBackCycle(lab, traffic, load, { region: second, everyMs: EVERY_MS }));
  const cycleAnswers = await untrack(load);

  progress(`Daylight: ${MAINTENANCES} maintenance(s) of both regions under load, each down ${DOWN_MS / 1000} s`);
  const daylight = await underLoad(lab, async () => {
    const out: RegionMaintenance[] = [];
    for (let m = 0; m < MAINTENANCES; m++) for (const region of regions) out.push(await maintainRegion(lab, traffic, { region, downMs: DOWN_MS, steps: STEPS, stepMs: STEP_MS }));
    return out;
  });

  progress(`HAProxy health checks alone (${CHECKS.inter} × fall ${CHECKS.fall}, rise ${CHECKS.rise}): ${HC_MAINTENANCES} maintenance(s) on a second HAProxy`);
  const peerLab = await startLab({ sandbox, dir: join(dir, 'b'), ...CHECKS, sampleMs: SAMPLE_MS });
  open.labs.push(peerLab);
  const checks = await underLoad(peerLab, async (l) => {
    const out: FailoverMeasure[] = [];
    for (let m = 0; m < HC_MAINTENANCES; m++) for (const region of regions) out.push(await healthCheckRegion(peerLab, l, { region, downMs: DOWN_MS }));
    return out;
  });

  const haproxyVersion = await new Promise<string>((resolve) => execFile('haproxy', ['-v'], (_e, out) => resolve(/version (\S+)/.exec(out)?.[1] ?? 'unknown')));
  report({ drains, switchBacks, daylight, checks, drainAnswers: startedBetween(cycleAnswers, drainsFrom, drainsUntil), haproxyVersion, regions });
} finally {
  for (const l of open.loads) await l.stop().catch(() => undefined);
  await open.traffic?.close();
  for (const l of open.labs) await stopLab(l).catch(() => undefined);
  await stopSandbox(sandbox);
  process.off('exit', killSandbox);
  await rm(dir, { recursive: true, force: true });
}

function track(l: Load): Load {
  open.loads.push(l);
  return l;
}

async function untrack(l: Load): Promise<Answer[]> {
  open.loads.splice(open.loads.indexOf(l), 1);
  return l.stop();
}

interface LoadRun<T> {
  readonly result: T;
  readonly answers: readonly Answer[];
  readonly seconds: number;
  readonly notSent: number;
}

/** Runs `work` with the steady load on `lab`'s HAProxy from a second before to a second after. */
async function underLoad<T>(lab: Lab, work: (load: Load) => Promise<T>): Promise<LoadRun<T>> {
  const load = track(startLoad({ url: `${lab.haproxy.url}/shop`, rps: RPS }));
  await sleep(1_000);
  await waitEven(lab);
  const result = await work(load);
  await sleep(1_000);
  const answers = await untrack(load);
  return { result, answers, seconds: (performance.now() - load.startedAt) / 1000, notSent: load.notSent() };
}

async function stopSandbox(s: SandboxChild | undefined): Promise<void> {
  const child = s?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

interface Results {
  readonly drains: readonly DrainMeasure[];
  readonly switchBacks: readonly SwitchBackMeasure[];
  readonly daylight: LoadRun<RegionMaintenance[]>;
  readonly checks: LoadRun<FailoverMeasure[]>;
  readonly drainAnswers: readonly Answer[];
  readonly haproxyVersion: string;
  readonly regions: readonly string[];
}

function report(r: Results): void {
  const d = r.daylight;
  const c = r.checks;
  const rate = d.answers.length / d.seconds;
  const dFailed = d.answers.filter(failed).length;
  const cFailed = c.answers.filter(failed).length;
  // the same outage schedule: each region down for DOWN_MS, starting as long after the drain command as Daylight's did
  const downAfterMs = percentile(d.result.map((m) => m.downAfterMs), 50);
  const outage = { rps: rate, share: 1 / r.regions.length, downAfterMs, downMs: DOWN_MS };
  const perMaintenance = d.answers.length / MAINTENANCES;
  const dnsFailed = r.regions.length * dnsFailedPerOutage(DNS, outage);
  const dnsReconciledFailed = r.regions.length * dnsFailedPerOutage(DNS_RECONCILED, outage);
  const analyses = d.result.flatMap((m) => m.analyses);
  const drainP50 = percentile(r.drains.map((x) => x.dataPlaneMs), 50);
  const verifiedP50 = percentile(r.drains.map((x) => x.adapterMs), 50);
  const sbP50 = percentile(r.switchBacks.map((x) => x.totalMs), 50);
  const hcP50 = percentile(c.result.map((x) => x.dataPlaneMs), 50);
  // with 0 failures in n requests, 3/n is the 95% upper bound of the rate (rule of three)
  const dBound = dFailed === 0 ? per100k(3, d.answers.length) : per100k(dFailed, d.answers.length);
  const failRatio = (peer: number) => (dFailed === 0 ? `≥ ${ratio(peer, dBound)} (Daylight 0: ≤ ${dBound.toFixed(1)} per 100k at 95%)` : ratio(peer, per100k(dFailed, d.answers.length)));
  const hcPer100k = per100k(cFailed, c.answers.length);
  const dnsPer100k = per100k(dnsFailed, perMaintenance);

  const rows: string[][] = [
    ['', 'p50', 'p99', ''],
    ['Daylight drain() call → 100% of new requests elsewhere', ...p(r.drains.map((x) => x.dataPlaneMs)), `${r.drains.length} drains alternating ${r.regions.join('/')}; HAProxy lbtot probed every ${SAMPLE_MS} ms (upper bound)`],
    ['  client side: last request to the drained region', ...p(r.drains.map((x) => x.clientMs)), `start of the last request it answered that started after the call (0 = none); ${r.drainAnswers.filter(failed).length} of ${r.drainAnswers.length} requests failed during the drains`],
    ["  adapter's verified drain (drain() returned)", ...p(r.drains.map((x) => x.adapterMs)), `its own check: out of balancing and lbtot steady over two ${100} ms polls; whole call ${p(r.drains.map((x) => x.callMs)).join(' / ')}`],
    ['Daylight switch-back: detection', ...p(r.switchBacks.map((x) => x.detectMs)), `fault on → proxy analysis error-rate > 0.01 over ≥ 20 requests, measured every ${EVERY_MS} ms`],
    ['  actuation', ...p(r.switchBacks.map((x) => x.actuateMs)), 'failed analysis → cut() returned and a probe sample shows weight 0, no new lbtot'],
    ['  total: fault on → no new request to the region', ...p(r.switchBacks.map((x) => x.totalMs)), `${r.switchBacks.length} switch-backs of ${r.regions[1]}; HAProxy lbtot (upper bound)`],
    ['  total, client side', ...p(r.switchBacks.map((x) => x.totalClientMs)), `failed requests per switch-back ${percentile(r.switchBacks.map((x) => x.failedRequests), 50)} (p50), ${percentile(r.switchBacks.map((x) => x.failedRequests), 99)} (p99); healthy measurements before each fault all succeeded`],
    ['HAProxy checks alone: fault → no new request', ...p(c.result.map((x) => x.dataPlaneMs)), `${c.result.length} failovers in ${HC_MAINTENANCES} maintenance(s) (fewer cycles: each takes ~12 s); inter ${CHECKS.inter} fall ${CHECKS.fall} rise ${CHECKS.rise}; HAProxy lbtot`],
    ['  client side', ...p(c.result.map((x) => x.clientMs)), `failed requests per failover ${percentile(c.result.map((x) => x.failedRequests), 50)} (p50), ${percentile(c.result.map((x) => x.failedRequests), 99)} (p99)`],
    ['  marked DOWN', ...p(c.result.map((x) => x.markedDownMs)), 'fault on → status DOWN in show stat'],
    [`DNS TTL ${DNS.ttlMs / 1000} s (modelled): drain → 100% shifted`, ms(dnsShiftMs(DNS)), '', `record written directly, caches expire uniformly over the TTL; switch-back ${ms(dnsSwitchBackMs(DNS))} (TTL, detection not counted)`],
    [`  with external-dns --interval ${DNS_RECONCILED.reconcileMs / 1000} s (modelled)`, ms(dnsShiftMs(DNS_RECONCILED)), '', `worst case reconcile + TTL; switch-back ${ms(dnsSwitchBackMs(DNS_RECONCILED))}`],
    ['', '', '', ''],
    ['failed requests per 100,000 in a maintenance', 'per 100k', 'failed', `each region down ${DOWN_MS / 1000} s in turn, ${RPS} rps keep-alive`],
    ['  Daylight (drain, down, validate, restore 10/50/100)', per100k(dFailed, d.answers.length).toFixed(1), String(dFailed), `of ${d.answers.length} in ${MAINTENANCES} maintenance(s), ${d.seconds.toFixed(0)} s; ${analyses.filter((a) => a.verdict === 'success').length}/${analyses.length} restore analyses passed`],
    ['  HAProxy checks alone (real)', hcPer100k.toFixed(1), String(cFailed), `of ${c.answers.length} in ${HC_MAINTENANCES} maintenance(s), ${c.seconds.toFixed(0)} s`],
    [`  DNS TTL ${DNS.ttlMs / 1000} s (modelled)`, dnsPer100k.toFixed(1), dnsFailed.toFixed(0), `expected, per maintenance of ${perMaintenance.toFixed(0)} requests at ${rate.toFixed(0)} rps measured, down ${ms(downAfterMs)} after the command`],
    [`  DNS + external-dns ${DNS_RECONCILED.reconcileMs / 1000} s (modelled)`, per100k(dnsReconciledFailed, perMaintenance).toFixed(1), dnsReconciledFailed.toFixed(0), 'reconcile delay uniform over the interval'],
  ];
  const ratios: string[][] = [
    ['ratios, p50', 'DNS ÷ Daylight', 'checks ÷ Daylight', ''],
    ['drain time', ratio(dnsShiftMs(DNS), drainP50), ratio(hcP50, drainP50), `checks: fault → no new request (they have no drain); Daylight's ${ms(drainP50)} is at the probe's resolution`],
    ["  against drain()'s verified time", ratio(dnsShiftMs(DNS), verifiedP50), ratio(hcP50, verifiedP50), `until the adapter has confirmed it (${ms(verifiedP50)}), the conservative reading`],
    ['switch-back time', ratio(dnsSwitchBackMs(DNS), sbP50), ratio(hcP50, sbP50), 'Daylight total: fault → no new request'],
    ['failed requests per 100,000', failRatio(dnsPer100k), failRatio(hcPer100k), ''],
  ];
  console.log(`traffic benchmark: ${values.fleet} (${r.regions.join(', ')}) behind HAProxy, ${RPS} rps keep-alive on 127.0.0.1`);
  printTable(rows);
  console.log('');
  printTable(ratios);
  const notSent = d.notSent + c.notSent;
  console.log(`environment: node ${process.version}, HAProxy ${r.haproxyVersion}, ${cpus().length} cores, ${CYCLES} cycles each for drain and switch-back, ${HC_MAINTENANCES * r.regions.length} health-check failovers, ` +
    `${RPS} rps asked (${rate.toFixed(0)} measured${notSent > 0 ? `, ${notSent} not sent: load generator saturated` : ''}); p99 by nearest rank (with up to 100 values, the largest)`);
}

function printTable(rows: readonly string[][]): void {
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const r of rows) console.log(r.map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number))).join('  ').trimEnd());
}
