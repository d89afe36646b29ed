// `daylight controller` on the sandbox's kubernetes engine (real API server, real Leases, real
// resourceVersion preconditions): three replicas elect one leader; the leader runs a MaintenanceRun with
// its journal in the API server; killed with SIGKILL where fast-check says, a standby takes over within the
// lease duration plus one retry period and resumes the run from the journal; stopped with SIGSTOP and
// continued, the old leader's writes are refused and it steps down. Every worker is rebooted exactly once
// and nothing is left cordoned, as the engine's referee (from the audit log) says. Approvals and schedules
// are in controller-runs.test.ts, on a sandbox of their own, so the two files run side by side.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { cordonedNodes, REGION, workers } from './roll/fixtures.ts';
import { since } from './roll/kubernetes-fixtures.ts';
import { configHome, ENTRY, fleet, holder, journalEntries, journalLength, kubectlOk, live, NS, replica, replicas, runStatus, setUp, TAKEOVER_MS, tearDown } from './controller-fixtures.ts';

before(setUp, { timeout: 240_000 });
after(tearDown);

let round = 0;

test('three controllers: the leader killed with SIGKILL where fast-check says, a standby leads within the lease duration plus one retry and resumes the run; every worker rebooted once, nothing cordoned', { timeout: 600_000 }, async () => {
  const k = fleet();
  const ks = k;
  const all = await workers(ks);
  assert.equal(all.length, 4);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 4, max: 40 }), async (killAfter) => {
      round++;
      const run = `roll-${round}`;
      // Given three replicas
      for (let i = live().length; i < 3; i++) replicas.push(replica(`c${round}-${i}`));
      await ks.until('a live replica leads', async () => { const h = await holder(); return live().some((r) => r.identity === h); }, 60_000);
      const before = await ks.referee.report();
      // When a run is created, and its leader is killed once the journal has `killAfter` entries
      await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: run }, spec: { planRef: { name: 'roll' } } }));
      await ks.until(`the journal of ${run} has ${killAfter} entries`, async () => (await journalLength(run)) >= killAfter || (await runStatus(run)).phase === 'Succeeded', 300_000);
      const leader = await holder();
      const victim = live().find((r) => r.identity === leader);
      assert.ok(victim, `the Lease names ${leader}, a live replica`);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      // Then another replica leads within the lease duration plus one retry period
      await ks.until('another replica leads', async () => { const h = await holder(); return h !== undefined && h !== leader; }, 60_000);
      // The gap: from the kill to the moment the new leader took the Lease, by its own log line (the test's polls
      // of the Lease add up to a second)
      const next = await holder();
      const line = replicas.find((r) => r.identity === next)?.log.findLast((l) => l.includes(`${next ?? '?'} leads (Lease`)) ?? '';
      const gap = Date.parse((JSON.parse(line || '{}') as { time?: string }).time ?? '') - killedAt;
      console.log(`round ${round}: leader ${leader} killed after ${killAfter} journal entries; ${next} led ${(gap / 1000).toFixed(1)} s later (limit ${TAKEOVER_MS / 1000} s: the lease duration plus one retry period)`);
      assert.ok(Number.isFinite(gap), `no "leads" line from ${next}`);
      assert.ok(gap <= TAKEOVER_MS + 300, `the standby led ${gap} ms after the kill (300 ms for the API's answers)`);
      // And the run ends Succeeded, resumed from its journal by the new leader
      await ks.until(`${run} succeeds`, async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus(run)).phase ?? ''), 300_000);
      const status = await runStatus(run);
      assert.equal(status.phase, 'Succeeded', `${JSON.stringify(status)}\n${replicas.flatMap((r) => r.log.slice(-10)).join('\n')}`);
      // And every worker rebooted exactly once, no pod killed, no budget breached, nothing cordoned
      const d = since(await ks.referee.report(), before);
      assert.deepEqual(d.reboots, Object.fromEntries(all.map((n) => [n, 1])));
      assert.deepEqual([d.killed, d.breaches], [0, 0], JSON.stringify(await ks.referee.details()));
      assert.deepEqual(await cordonedNodes(ks), []);
      replicas.splice(replicas.indexOf(victim), 1);
    }),
    { numRuns: 2, seed: 20261206, endOnFailure: true },
  );
});

test('the leader stopped with SIGSTOP until a standby leads, then continued: its writes are refused by resourceVersion conflicts, it steps down, and the journal has nothing of it after the takeover', { timeout: 400_000 }, async () => {
  const k = fleet();
  const ks = k;
  for (let i = live().length; i < 3; i++) replicas.push(replica(`s-${i}`));
  await ks.until('a live replica leads', async () => { const h = await holder(); return live().some((r) => r.identity === h); }, 60_000);
  const all = await workers(ks);
  const before = await ks.referee.report();
  const run = 'roll-stopped';
  await kubectlOk(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'daylight.dev/v1alpha1', kind: 'MaintenanceRun', metadata: { name: run }, spec: { planRef: { name: 'roll' } } }));
  // When the leader is stopped (SIGSTOP) in the middle of the run
  await ks.until(`the journal of ${run} has 12 entries`, async () => (await journalLength(run)) >= 12, 300_000);
  const leader = await holder();
  const stopped = live().find((r) => r.identity === leader);
  assert.ok(stopped);
  stopped.child.kill('SIGSTOP');
  const frozenAt = await journalLength(run);
  try {
    // Then a standby leads once the lease has expired, and carries the run on in the journal
    await ks.until('another replica leads', async () => { const h = await holder(); return h !== undefined && h !== leader; }, 60_000);
    await ks.until('the new leader has appended', async () => (await journalLength(run)) > frozenAt, 60_000);
  } finally {
    // And the stopped one is continued
    stopped.child.kill('SIGCONT');
  }
  await ks.until(`${leader} steps down`, async () => stopped.log.some((l) => /steps down|stopped leading/.test(l)), 60_000);
  // Then what it tried to write after it woke was refused by a resourceVersion conflict (the journal's or the run's
  // status), or it found the Lease another's before it tried; either way it stepped down
  const woke = stopped.log.slice(stopped.log.findIndex((l) => /leads \(Lease/.test(l)));
  const refusals = woke.filter((l) => /written by someone else since/.test(l));
  console.log(`${leader} after SIGCONT: ${refusals.length} write(s) refused; ${woke.filter((l) => /steps down|stopped leading/.test(l)).map((l) => (JSON.parse(l) as { msg: string }).msg).join('; ')}`);
  for (const l of refusals) assert.match(l, /resourceVersion/);
  // And the run completes under the new leader, every worker rebooted once, nothing cordoned
  await ks.until(`${run} ends`, async () => ['Succeeded', 'Failed', 'Aborted', 'Degraded'].includes((await runStatus(run)).phase ?? ''), 300_000);
  assert.equal((await runStatus(run)).phase, 'Succeeded');
  const d = since(await ks.referee.report(), before);
  assert.deepEqual(d.reboots, Object.fromEntries(all.map((n) => [n, 1])));
  assert.deepEqual(await cordonedNodes(ks), []);
  // And the journal is one chain: the stopped leader's entries end where it froze, the new leader resumed once
  // after them, and nothing follows from the stopped one (its appends were refused, so none forks or interleaves)
  const entries = await journalEntries(run);
  const resumed = entries.filter((e) => e.event.type === 'run.resumed');
  assert.equal(resumed.length, 1, `${JSON.stringify(resumed)}\n${replicas.map((r) => `${r.identity}:\n${r.log.slice(-25).join('\n')}`).join('\n')}`);
  assert.ok((resumed[0]?.seq ?? 0) > frozenAt - 1, `resumed at seq ${resumed[0]?.seq}, the stopped leader had written ${frozenAt}`);
  const verify = spawn(process.execPath, [ENTRY, 'audit', 'verify', '--from-cluster', run, '--kubeconfig', ks.kubeconfigPath, '--context', REGION, '--namespace', NS, '--no-anchor'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: configHome } });
  let out = '';
  verify.stdout.on('data', (c: Buffer) => (out += c.toString()));
  verify.stderr.on('data', (c: Buffer) => (out += c.toString()));
  assert.equal(await new Promise<number | null>((resolve) => verify.once('close', (c) => resolve(c))), 0, out);
});

