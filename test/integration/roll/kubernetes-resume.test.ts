// `daylight run` killed with SIGKILL mid-roll on the sandbox's kubernetes engine, twice (while a node
// reboots, then while the resumed run drains the next wave), and resumed with --resume: the run must finish
// as if nothing happened, judged by the engine's referee (audit log, bootIDs) and the API, never by
// Daylight's word. crash-resume.test.ts kills at many more points on the simulated engine, where time is fast.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalEntry } from '../../../src/engine/events.ts';
import { verifyChain } from '../../../src/journal/file-journal.ts';
import { replay } from '../../../src/engine/state.ts';
import { tempConfigHome } from '../../helpers/journal-key.ts';
import { cordonedNodes, nodes, REGION, rollPlanYaml, workers } from './fixtures.ts';
import { since, upKubernetesFleet } from './kubernetes-fixtures.ts';
import type { KubernetesFleet } from './kubernetes-fixtures.ts';
import { daylightChild } from '../../support/daylight-child.ts';
import type { Child } from '../../support/daylight-child.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
const configHome = tempConfigHome();

/** Shorter than the node-monitor grace period, so the run is quick; the new bootID says each reboot happened. */
const REBOOT_SECONDS = 6;
/** Real-time limit of one `daylight run` process. */
const CHILD_MS = 150_000;

let k: KubernetesFleet | undefined;

before(async () => {
  // 2 zones × 1 rack × 2 workers (and a control-plane node), a Deployment under a budget, and a DaemonSet
  k = await upKubernetesFleet({
    zones: 2,
    racks: 1,
    nodesPerRack: 2,
    rebootSeconds: REBOOT_SECONDS,
    workloads: [
      '{name: web, namespace: shop, kind: Deployment, replicas: 4, cpu: 500m, memory: 256Mi, startupSeconds: 1, readinessSeconds: 2, pdb: {minAvailable: 3}, spread: zone}',
      '{name: node-agent, namespace: kube-system, kind: DaemonSet, startupSeconds: 1, readinessSeconds: 1}',
    ],
  });
}, { timeout: 180_000 });

after(async () => {
  await k?.stop();
});

function daylight(args: readonly string[]): Child {
  return daylightChild(args, CHILD_MS, { ...process.env, XDG_CONFIG_HOME: configHome });
}

/** The one run in the state dir, once its journal exists. */
function theRun(stateDir: string): { runId: string; journal: string } | undefined {
  const runs = join(stateDir, 'runs');
  const [runId] = existsSync(runs) ? readdirSync(runs) : [];
  const journal = runId ? join(runs, runId, 'journal.jsonl') : '';
  return runId && existsSync(journal) ? { runId, journal } : undefined;
}

/** The journal's whole lines. */
function entries(journal: string): JournalEntry[] {
  return readFileSync(journal, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as JournalEntry);
}

/** Kills `child` with SIGKILL once its journal holds an entry `at` matches; false when it ended by itself first. */
async function killWhen(child: Child, stateDir: string, at: (e: JournalEntry) => boolean): Promise<boolean> {
  for (;;) {
    if (child.done()) return false;
    const run = theRun(stateDir);
    if (run && entries(run.journal).some(at)) {
      child.kill('SIGKILL');
      const exit = await child.exited;
      return exit.signal === 'SIGKILL';
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const isEvent = (type: string, node?: string) => (e: JournalEntry) => e.event.type === type && (node === undefined || ('node' in e.event && e.event.node === node));

test('killed with SIGKILL while a node reboots and again while the resumed run drains, then resumed: every worker rebooted once, nothing cordoned, no pod killed', { timeout: 420_000 }, async () => {
  assert.ok(k);
  const planPath = join(k.dir, 'resume-plan.yaml');
  const stateDir = join(k.dir, 'state');
  // Reboot every worker, 2 at a time, zone by zone after a canary, with waits that never time out
  await writeFile(planPath, rollPlanYaml({ maxUnavailable: 2, topology: '{key: topology.kubernetes.io/zone, serial: true}', soak: '0s', ready: '{timeout: 10m}', drain: '{timeout: 10m, onTimeout: fail, ignoreDaemonSets: true}' }));
  const args = (resume?: string) => ['run', '-f', planPath, '--kubeconfig', k?.kubeconfigPath ?? '', '--state-dir', stateDir, '-o', 'json', ...(resume ? ['--resume', resume] : [])];
  const all = await workers(k);
  assert.equal(all.length, 4);
  const before = await k.referee.report();
  const children: Child[] = [];
  try {
    // Given a run in its own process
    const first = daylight(args());
    children.push(first);
    // When it is killed with SIGKILL while the second node (the first after the canary) reboots
    const second = 'eu-central-a-r1-n2';
    assert.ok(await killWhen(first, stateDir, isEvent('node.action.requested', second)), `the run was still going when ${second} was asked to reboot\n${(await first.exited).stderr}`);
    const run = theRun(stateDir);
    assert.ok(run);
    // And resumed, and killed again while it drains a node of zone b
    const resumed = daylight(args(run.runId));
    children.push(resumed);
    assert.ok(await killWhen(resumed, stateDir, isEvent('node.drain.started', 'eu-central-b-r1-n1')), `the resumed run was still going at zone b\n${(await resumed.exited).stderr}`);
    // And resumed again, to its end
    const last = daylight(args(run.runId));
    children.push(last);
    const exit = await last.exited;
    // Then it succeeded
    assert.equal(exit.code, 0, `the last resume exits 0\n${exit.stderr}\n${exit.stdout.trim().split('\n').slice(-4).join('\n')}`);
    const summary = JSON.parse(exit.stdout.trim().split('\n').at(-1) ?? '{}') as { type?: string; status?: string };
    assert.deepEqual({ type: summary.type, status: summary.status }, { type: 'run.summary', status: 'succeeded' });
    // And the referee says every worker rebooted exactly once (none twice because of the crashes), no pod killed, no budget breached
    const d = since(await k.referee.report(), before);
    assert.deepEqual(d.reboots, Object.fromEntries(all.map((n) => [n, 1])), 'every worker rebooted exactly once');
    assert.equal(d.killed, 0, JSON.stringify(await k.referee.details()));
    assert.equal(d.breaches, 0, JSON.stringify(await k.referee.details()));
    assert.ok(((await k.referee.report()).maxConcurrentUnavailableNodes[REGION] ?? 0) <= 2, 'never more than 2 nodes out');
    // And the API shows no node unschedulable, none with Daylight's cordon annotation
    assert.deepEqual(await cordonedNodes(k), []);
    assert.deepEqual((await nodes(k)).filter((n) => n.metadata.annotations?.['daylight.dev/cordoned-by'] !== undefined).map((n) => n.metadata.name), []);
    // And one journal, started once, resumed twice, every worker maintained, its hash chain intact
    const text = readFileSync(run.journal, 'utf8');
    const list = entries(run.journal);
    assert.deepEqual(verifyChain(text), { ok: true, entries: list.length });
    assert.deepEqual(['run.started', 'run.resumed'].map((t) => list.filter(isEvent(t)).length), [1, 2]);
    const state = replay(run.runId, list);
    assert.deepEqual(all.map((n) => state.nodes[`${REGION}/${n}`]?.outcome), all.map(() => 'maintained'));
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
  }
});
