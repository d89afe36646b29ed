// Regional maintenance with every part real: HAProxy in front of two sandbox regions' ingress, Prometheus
// scraping the sandbox as the analysis source, Alertmanager for silences, autocannon load. Given / When /
// Then over the lab of lab.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession } from '../../../src/cli/run-session.ts';
import type { JournalEntry, RunEvent } from '../../../src/engine/events.ts';
import { AlertmanagerSilences } from '../../../src/notify/silences.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import { REGIONS, regionalPlan, regionalPlanYaml, startLab, startLoad } from './lab.ts';

const ENTRY = fileURLToPath(new URL('../../../src/cli/entry.ts', import.meta.url));
import type { Lab } from './lab.ts';
import { tempConfigHome, testSigner } from '../../helpers/journal-key.ts';

// The CLIs this file starts make their journal key in a temporary config directory, not in the home.
tempConfigHome();

let lab: Lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.stop();
});

async function journalOf(path: string): Promise<JournalEntry[]> {
  return (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEntry);
}

function ofType<T extends RunEvent['type']>(entries: readonly JournalEntry[], type: T): (JournalEntry & { event: Extract<RunEvent, { type: T }> })[] {
  return entries.filter((e) => e.event.type === type) as (JournalEntry & { event: Extract<RunEvent, { type: T }> })[];
}

/** Whether HAProxy holds the server in admin drain (show servers state, srv_admin_state bit 0x08), whatever its health. */
async function adminDrain(server: string): Promise<boolean> {
  const line = (await lab.haproxy.command('show servers state global')).split('\n').find((l) => l.split(' ')[3] === server);
  return (Number(line?.split(' ')[6]) & 0x08) !== 0;
}

async function weights(): Promise<Record<string, { status: string; weight: number }>> {
  return await lab.haproxy.servers();
}

describe('regional maintenance behind a real HAProxy', { timeout: 300_000 }, () => {
  test('given steady load on HAProxy, when both regions are maintained in turn, then no request fails, each region is silenced and given back in steps', async (t) => {
    // Given steady keep-alive load through HAProxy and both regions in service
    const stateDir = await mkdtemp(join(tmpdir(), 'dl-reg-state-'));
    const log = join(stateDir, 'hooks.log');
    // and hooks around the run and each region, as an expand-and-contract migration would use them
    const hooks = ['run-start', 'pre-drain', 'post-drain', 'pre-restore', 'post-restore', 'run-end'].map((on) => `{on: ${on}, type: command, run: 'echo "${on} {{cluster}} {{outcome}}" >> ${log}'}`);
    const load = startLoad(lab.haproxy.url, { connections: 4, rate: 400 });
    try {
      // When the regional plan runs
      const end = await runSession({ plan: parsePlan('regional.yaml', regionalPlanYaml(lab, { hooks: hooks.map((h) => h.replace('{{cluster}} {{outcome}}', '$DAYLIGHT_CLUSTER $DAYLIGHT_OUTCOME')) })), stateDir, kubeconfig: lab.ts.kubeconfigPath, view: 'json', write: () => undefined, signer: testSigner() });
      const seen = await load.stop();

      // Then it succeeded and not one request failed
      assert.equal(end.status, 'succeeded', end.status === 'refused' ? JSON.stringify(end.findings) : end.reason);
      assert.ok(seen.requests > 1000, `only ${seen.requests} requests were sent`);
      assert.deepEqual({ non2xx: seen.non2xx, errors: seen.errors, timeouts: seen.timeouts }, { non2xx: 0, errors: 0, timeouts: 0 }, `${seen.requests} requests`);
      t.diagnostic(`${seen.requests} requests through HAProxy during the maintenance of both regions, ${seen.non2xx + seen.errors + seen.timeouts} failed`);

      const entries = await journalOf(end.paths.journal);
      // each region left traffic (the other one in service, with capacity measured by Prometheus) and came back 10 → 50 → 100
      for (const region of REGIONS) {
        const pre = ofType(entries, 'region.preconditions').find((e) => e.event.cluster === region);
        assert.equal(pre?.event.passed, true, JSON.stringify(pre?.event.results));
        assert.ok(pre?.event.results.some((r) => r.gate === `capacity without ${region}` && typeof r.value === 'number' && r.value >= 1), JSON.stringify(pre?.event.results));
        assert.ok(ofType(entries, 'traffic.drained').some((e) => e.event.cluster === region));
        assert.deepEqual(ofType(entries, 'traffic.step.passed').filter((e) => e.event.cluster === region).map((e) => e.event.percent), [10, 50, 100]);
        const measured = ofType(entries, 'analysis.measured').filter((e) => e.event.cluster === region);
        assert.ok(measured.length >= 3, `${measured.length} measurements for ${region}`);
        assert.ok(measured.every((m) => m.event.failures === 0), JSON.stringify(measured.map((m) => m.event.records)));
        // a silence was created for the region and expired after its restore
        const created = ofType(entries, 'silence.created').find((e) => e.event.cluster === region);
        const expired = ofType(entries, 'silence.expired').find((e) => e.event.cluster === region);
        const restored = ofType(entries, 'traffic.restored').find((e) => e.event.cluster === region);
        assert.ok(created && expired && restored, 'silence created, region restored, silence expired');
        assert.ok(created.seq < restored.seq && restored.seq < expired.seq, 'the silence lasts until the region is back');
        assert.equal(expired?.event.id, created?.event.id);
        const silence = await new AlertmanagerSilences({ url: lab.alertmanager.url }).get(created?.event.id ?? '');
        assert.equal(silence?.state, 'expired');
        assert.deepEqual(silence?.matchers.map((m) => [m.name, m.value]), [['region', region]]);
      }
      // the drains were confirmed on HAProxy's statistics, not assumed
      for (const d of ofType(entries, 'traffic.drained')) assert.ok(d.event.result.newTrafficStoppedMs > 0 && d.event.result.sessionsGoneMs >= d.event.result.newTrafficStoppedMs);
      // the hooks ran once each where they belong: the migration starts before the first region and completes after the last
      assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n').map((l) => l.trim()), [
        'run-start',
        'pre-drain eu-central', 'post-drain eu-central', 'pre-restore eu-central', 'post-restore eu-central',
        'pre-drain region-2', 'post-drain region-2', 'pre-restore region-2', 'post-restore region-2',
        'run-end  succeeded',
      ]);
      // and HAProxy ends as it began
      const after = await weights();
      for (const region of REGIONS) assert.deepEqual(after[region], { status: 'UP', weight: 100 });
      // the sandbox's referee saw no budget broken
      const referee = (await lab.ts.api('eu-central', '/sandbox/v1/referee')) as { pdbBreaches: number; podsKilledWithoutEviction: number };
      assert.deepEqual([referee.pdbBreaches, referee.podsKilledWithoutEviction], [0, 0]);
    } finally {
      await load.stop().catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('given a region that fails after its maintenance, when its canary analysis fails, then it is switched back to weight 0 within 1 s and the run halts with the measured values', async (t) => {
    // Given load, and region-2 starting to answer 500 as soon as it gets traffic back
    const stateDir = await mkdtemp(join(tmpdir(), 'dl-reg-state-'));
    const load = startLoad(lab.haproxy.url, { connections: 4, rate: 400 });
    let faulted = false;
    const write = (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { type?: string; cluster?: string };
        if (!faulted && e.type === 'traffic.step.set' && e.cluster === 'region-2') {
          faulted = true;
          void lab.fault('region-2', 1);
        }
      }
    };
    try {
      // When the plan runs
      const end = await runSession({ plan: regionalPlan(lab, { name: 'failing' }), stateDir, kubeconfig: lab.ts.kubeconfigPath, view: 'json', write, signer: testSigner() });
      await load.stop();

      // Then the run failed at region-2's first step, with the measured error rate in the reason
      assert.equal(end.status, 'failed');
      assert.match(end.reason ?? '', /region-2 switched back to weight 0 in \d+ ms: analysis failed at step 1 \(10%\)/);
      const entries = await journalOf(end.paths.journal);
      const failedAt = ofType(entries, 'analysis.measured').find((e) => e.event.cluster === 'region-2' && e.event.failures > 0);
      const cut = ofType(entries, 'traffic.cut').find((e) => e.event.cluster === 'region-2');
      assert.ok(failedAt && cut, 'a failed analysis and a cut are journaled');
      assert.ok(failedAt.event.records.some((r) => r.verdict === 'failure' && typeof r.value === 'number' && r.value > 0.01), JSON.stringify(failedAt.event.records));
      // within 1 s of the failed analysis, confirmed on HAProxy's statistics
      assert.ok(cut.event.ms < 1000, `cut took ${cut.event.ms} ms`);
      assert.ok(Date.parse(cut.wall) - Date.parse(failedAt.wall) < 1000, `${failedAt.wall} → ${cut.wall}`);
      t.diagnostic(`failed analysis → weight 0 confirmed on HAProxy: ${cut.event.ms} ms (journal: ${Date.parse(cut.wall) - Date.parse(failedAt.wall)} ms between the entries)`);
      assert.equal(cut.event.weight, 0);
      const now = await weights();
      assert.equal(now['region-2']?.weight, 0);
      // and eu-central, maintained before, is back in full
      assert.deepEqual(now['eu-central'], { status: 'UP', weight: 100 });
    } finally {
      await lab.fault('region-2', 0);
      await lab.haproxy.command('set server global/region-2 weight 100; set server global/region-2 state ready');
      await load.stop().catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('given a run killed with SIGKILL in the middle of a drain, when daylight recover runs, then HAProxy has the weights from before and the silence is expired', async () => {
    // Given eu-central's answers held for 20 s, so that its sessions keep the drain waiting, under load
    const dir = await mkdtemp(join(tmpdir(), 'dl-reg-crash-'));
    const planFile = join(dir, 'plan.yaml');
    await writeFile(planFile, regionalPlanYaml(lab, { name: 'crashing', drainTimeout: '30m' }));
    const before = await weights();
    await lab.fault('eu-central', 0, 20_000);
    const load = startLoad(lab.haproxy.url, { connections: 4, rate: 50 });
    try {
      // When a run starts draining eu-central and its process is killed
      const proc = spawn(process.execPath, [ENTRY, 'run', '-f', planFile, '--kubeconfig', lab.ts.kubeconfigPath, '--state-dir', join(dir, 'state'), '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no drain within 60 s:\n${out}`)), 60_000);
        proc.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('"type":"traffic.drain.requested"')) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.once('exit', (code) => reject(new Error(`the run ended (${code}) before its drain:\n${out}`)));
      });
      for (const end = Date.now() + 5_000; !(await adminDrain('eu-central')) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      assert.ok(!out.includes('"type":"traffic.drained"'), 'killed before the drain was confirmed');
      assert.equal(await adminDrain('eu-central'), true, 'the kill left eu-central in drain');
      await lab.fault('eu-central', 0, 0);
      const silenceId = (JSON.parse(out.split('\n').find((l) => l.includes('"type":"silence.created"')) ?? '{}') as { id?: string }).id;
      assert.ok(silenceId, 'a silence was created before the drain');

      const recovered = await promisify(execFile)(process.execPath, [ENTRY, 'recover', '-f', planFile, '--kubeconfig', lab.ts.kubeconfigPath, '--state-dir', join(dir, 'state')]);

      // Then HAProxy is as before the run, and the silence is expired
      assert.match(recovered.stdout, /eu-central traffic \(run crashing-[^)]+\): put back: weight 100, state ready/);
      assert.match(recovered.stdout, new RegExp(`expired silence ${silenceId}`));
      assert.equal(await adminDrain('eu-central'), false);
      const now = await weights();
      assert.deepEqual(Object.fromEntries(Object.entries(now).map(([n, w]) => [n, w.weight])), Object.fromEntries(Object.entries(before).map(([n, w]) => [n, w.weight])));
      await lab.haproxy.waitFor('UP', ['eu-central'], 10_000);
      const silence = await new AlertmanagerSilences({ url: lab.alertmanager.url }).get(silenceId);
      assert.equal(silence?.state, 'expired');
    } finally {
      await lab.fault('eu-central', 0, 0);
      await load.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
