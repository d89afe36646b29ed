// A `platform` phase run in this process against the sandbox: given two workspace files with three
// components (cert-manager ← ingress-nginx ← grafana) whose upgrade commands write to a log and whose
// post-checks look for a file, when a plan upgrades the stack, then the components go in dependency order
// and the phase completes; a post-check that fails halts the run at that component, before the next
// one's command runs; and a resumed run does not upgrade again what it already upgraded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession } from '../../src/cli/run-session.ts';
import type { JournalEntry } from '../../src/engine/events.ts';
import { AlertmanagerSilences } from '../../src/notify/silences.ts';
import { startAlertmanager } from '../helpers/alertmanager.ts';
import { parsePlan } from '../../src/plan/load.ts';
import type { LoadedPlan } from '../../src/plan/load.ts';
import { eventsOf, REGION, roll, upFleet } from './roll/fixtures.ts';
import type { Roll } from './roll/fixtures.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { testSigner } from '../helpers/journal-key.ts';

const SPEED = 600;
const COMPONENTS = [
  { name: 'cert-manager', from: 'v1.14.5', to: 'v1.15.3', dependsOn: [] },
  { name: 'ingress-nginx', from: '4.10.1', to: '4.11.2', dependsOn: ['cert-manager'] },
  { name: 'grafana', from: '8.3.0', to: '8.5.1', dependsOn: ['ingress-nginx'] },
] as const;

/** A workspace at the old or new versions; commands log into `dir`, the post-check passes when dir/ok-<name> exists. */
function workspaceYaml(dir: string, at: 'from' | 'to', velero = false, silences = false): string {
  const backup = velero ? '{type: velero, includedNamespaces: [cert-manager], timeout: 1m}' : `{type: command, run: "echo {{name}} {{from}} >> ${dir}/backups.log"}`;
  const component = (c: (typeof COMPONENTS)[number]) => [
    `    - name: ${c.name}`,
    `      version: "${c[at]}"`,
    `      upgrade: echo {{name}} {{version}} >> ${dir}/upgrades.log`,
    `      rollback: echo {{name}} >> ${dir}/rollbacks.log`,
    `      dependsOn: [${c.dependsOn.join(', ')}]`,
    ...(c.name === 'cert-manager' ? [`      backup: ${backup}`, '      changelog: cert-manager.md'] : []),
    ...(silences ? ['      silences: [{name: component, value: "{{name}}"}]'] : []),
    `      checks: {command: ["test -f ${dir}/ok-{{name}}"]}`,
  ];
  return ['apiVersion: daylight.dev/v1alpha1', 'kind: Workspace', 'metadata: {name: stack}', 'spec:', '  components:', ...COMPONENTS.flatMap(component), ''].join('\n');
}

const CHANGELOG = ['# cert-manager', '', '## v1.15.3', '', '- Fixes.', '', '## v1.15.0', '', '- BREAKING: the webhook needs a new flag.', '', '## v1.14.5', '', '- Older.', ''].join('\n');

/** A temp dir holding old.yaml, new.yaml, a changelog and a plan (with `rollback`) that upgrades one to the other. */
async function stack(name: string, o: { rollback?: boolean; velero?: boolean; alertmanager?: string } = {}): Promise<{ dir: string; plan: LoadedPlan }> {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-platform-'));
  await writeFile(join(dir, 'old.yaml'), workspaceYaml(dir, 'from'));
  await writeFile(join(dir, 'new.yaml'), workspaceYaml(dir, 'to', o.velero, o.alertmanager !== undefined));
  await writeFile(join(dir, 'cert-manager.md'), CHANGELOG);
  const text = [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    `metadata: {name: ${name}}`,
    'spec:',
    `  clusters: [{name: ${REGION}, context: ${REGION}}]`,
    '  phases:',
    '    - name: stack',
    '      type: platform',
    '      workspace: {from: old.yaml, to: new.yaml}',
    ...(o.rollback ? ['      rollback: true'] : []),
    ...(o.alertmanager ? [`  silences: {alertmanager: "${o.alertmanager}", matchers: [{name: cluster, value: "{{cluster}}"}]}`] : []),
    '',
  ].join('\n');
  const path = join(dir, 'plan.yaml');
  await writeFile(path, text);
  return { dir, plan: parsePlan(path, text) };
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

async function passing(dir: string, ...names: string[]): Promise<void> {
  for (const n of names) await writeFile(join(dir, `ok-${n}`), '');
}

function reasonOf(r: Roll): string {
  return r.end.status === 'refused' ? r.output : (r.end.reason ?? '');
}

describe('a platform phase against the sandbox', () => {
  let ts: TestSandbox | undefined;
  const dirs: string[] = [];
  before(async () => {
    ts = await upFleet({}, SPEED);
  });
  after(async () => {
    await ts?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('upgrades the three components in dependency order and completes the phase', async () => {
    // Given a stack whose post-checks all pass
    const { dir, plan } = await stack('platform-ok');
    dirs.push(dir);
    await passing(dir, 'cert-manager', 'ingress-nginx', 'grafana');
    // When the plan runs
    const r = await roll(ts as TestSandbox, plan);
    // Then every component is upgraded after what it depends on, and the run succeeds
    assert.equal(r.status, 'succeeded', reasonOf(r));
    assert.deepEqual(await lines(join(dir, 'upgrades.log')), ['cert-manager v1.15.3', 'ingress-nginx 4.11.2', 'grafana 8.5.1']);
    assert.deepEqual(await lines(join(dir, 'backups.log')), ['cert-manager v1.14.5']);
    assert.deepEqual(eventsOf(r, 'component.upgraded').map((e) => e.event.component), ['cert-manager', 'ingress-nginx', 'grafana']);
    assert.deepEqual(eventsOf(r, 'platform.diffed').map((e) => e.event.order), [['cert-manager', 'ingress-nginx', 'grafana']]);
    const changelog = eventsOf(r, 'component.changelog').map((e) => e.event);
    assert.deepEqual(changelog.map((c) => [c.component, c.breaking.map((b) => b.version)]), [['cert-manager', ['v1.15.0']]]);
    assert.ok(eventsOf(r, 'phase.completed').some((e) => e.event.phase === 'stack'));
    // and each command was journaled before it ran
    const types = r.entries.map((e) => e.event).filter((e) => e.type === 'component.command.requested' || e.type === 'component.command.finished').map((e) => `${e.type} ${'component' in e ? e.component : ''}`);
    assert.deepEqual(types.slice(0, 4), ['component.command.requested cert-manager', 'component.command.finished cert-manager', 'component.command.requested cert-manager', 'component.command.finished cert-manager']);
    assert.deepEqual(r.chain, { ok: true, entries: r.entries.length });
  });

  test('each component\'s alerts are silenced in Alertmanager while it is upgraded, and the silence is expired after', async () => {
    // Given a real Alertmanager in the plan and components that name their alerts
    const amDir = await mkdtemp(join(tmpdir(), 'daylight-am-'));
    dirs.push(amDir);
    const am = await startAlertmanager(amDir);
    try {
      const { dir, plan } = await stack('platform-silenced', { alertmanager: am.url });
      dirs.push(dir);
      await passing(dir, 'cert-manager', 'ingress-nginx', 'grafana');
      // When the plan runs
      const r = await roll(ts as TestSandbox, plan);
      // Then each component had its own silence, created before its upgrade command and expired after its checks
      assert.equal(r.status, 'succeeded', reasonOf(r));
      const created = eventsOf(r, 'silence.created').map((e) => e.event.id);
      assert.equal(created.length, 3);
      assert.deepEqual(eventsOf(r, 'silence.expired').map((e) => e.event.id), created);
      const silences = new AlertmanagerSilences({ url: am.url });
      const seen = await Promise.all(created.map((id) => silences.get(id)));
      assert.deepEqual(seen.map((x) => [x?.state, x?.matchers.map((m) => `${m.name}=${m.value}`).join()]), [['expired', 'component=cert-manager'], ['expired', 'component=ingress-nginx'], ['expired', 'component=grafana']]);
      const order = r.entries.map((e) => e.event).filter((e) => e.type === 'silence.created' || (e.type === 'component.command.requested' && e.step === 'upgrade') || e.type === 'silence.expired').map((e) => e.type);
      assert.deepEqual(order.slice(0, 3), ['silence.created', 'component.command.requested', 'silence.expired']);
    } finally {
      await am.stop();
    }
  });

  test('a post-check that fails halts the run at its component: the next one is never upgraded', async () => {
    // Given a stack where ingress-nginx's post-check fails (no ok-ingress-nginx file), with rollback asked for
    const { dir, plan } = await stack('platform-halt', { rollback: true });
    dirs.push(dir);
    await passing(dir, 'cert-manager', 'grafana');
    // When the plan runs
    const r = await roll(ts as TestSandbox, plan);
    // Then the run fails naming the component, its check and what the check measured
    assert.equal(r.status, 'failed');
    const reason = reasonOf(r);
    assert.match(reason, /component ingress-nginx failed its post-check/);
    assert.match(reason, new RegExp(`test -f ${dir}/ok-ingress-nginx exited 1`));
    assert.match(reason, /measured 1, threshold exit 0/);
    // and grafana's upgrade command never ran; ingress-nginx was rolled back as the plan asked
    assert.deepEqual(await lines(join(dir, 'upgrades.log')), ['cert-manager v1.15.3', 'ingress-nginx 4.11.2']);
    assert.deepEqual(await lines(join(dir, 'rollbacks.log')), ['ingress-nginx']);
    assert.deepEqual(eventsOf(r, 'component.upgraded').map((e) => e.event.component), ['cert-manager']);
    const failed = eventsOf(r, 'component.failed').map((e) => e.event);
    assert.deepEqual(failed.map((f) => [f.component, f.step, f.value]), [['ingress-nginx', 'ingress-nginx/post-checks', 1]]);
    const checked = eventsOf(r, 'component.checked').map((e) => e.event).find((c) => c.component === 'ingress-nginx');
    assert.equal(checked?.passed, false);
    assert.ok(checked?.results.some((g) => !g.passed && g.type === 'command'));
    assert.ok(!r.entries.some((e) => e.event.type === 'component.started' && e.event.component === 'grafana'));
    assert.ok(!eventsOf(r, 'phase.completed').some((e) => e.event.phase === 'stack'));
  });

  test('a Velero backup the cluster cannot take fails closed before the first upgrade command', async () => {
    // Given a stack whose first component asks for a Velero backup, on a cluster without Velero
    const { dir, plan } = await stack('platform-velero', { velero: true });
    dirs.push(dir);
    await passing(dir, 'cert-manager', 'ingress-nginx', 'grafana');
    // When the plan runs
    const r = await roll(ts as TestSandbox, plan);
    // Then the run fails at cert-manager's backup, saying how to fix it, and no upgrade command ran
    assert.equal(r.status, 'failed');
    assert.match(reasonOf(r), /component cert-manager failed its backup: .*does not serve velero\.io\/v1 Backups.*install Velero/);
    assert.deepEqual(await lines(join(dir, 'upgrades.log')), []);
    assert.equal(eventsOf(r, 'backup.requested').length, 1, 'the Backup was journaled before it was asked for');
    assert.deepEqual(eventsOf(r, 'component.failed').map((e) => e.event.step), ['cert-manager/backup']);
  });

  test('a resumed run skips the components it already upgraded', async () => {
    // Given a run stopped (Ctrl-C) right after its first component is upgraded
    const { dir, plan } = await stack('platform-resume');
    dirs.push(dir);
    await passing(dir, 'cert-manager', 'ingress-nginx', 'grafana');
    const stateDir = await mkdtemp(join(tmpdir(), 'daylight-platform-state-'));
    dirs.push(stateDir);
    const interrupt = new AbortController();
    let output = '';
    const kubeconfig = (ts as TestSandbox).kubeconfigPath;
    const signer = testSigner();
    const first = await runSession({
      signer,
      plan,
      stateDir,
      kubeconfig,
      view: 'json',
      interrupt: interrupt.signal,
      write: (t) => {
        output += t;
        if (/"component\.upgraded"/.test(output)) interrupt.abort();
      },
    });
    assert.equal(first.status, 'paused', output.slice(-2000));
    assert.deepEqual(await lines(join(dir, 'upgrades.log')), ['cert-manager v1.15.3']);
    // When it is resumed
    const second = await runSession({ plan, stateDir, kubeconfig, view: 'json', resume: first.runId, write: () => undefined, signer });
    // Then cert-manager is neither backed up nor upgraded again, the others are upgraded in order, and the phase completes
    assert.ok(second.status === 'succeeded', `the resumed run ended ${second.status}: ${second.status === 'refused' ? '' : (second.reason ?? '')}`);
    assert.deepEqual(await lines(join(dir, 'upgrades.log')), ['cert-manager v1.15.3', 'ingress-nginx 4.11.2', 'grafana 8.5.1']);
    assert.deepEqual(await lines(join(dir, 'backups.log')), ['cert-manager v1.14.5']);
    const entries = (await readFile(second.paths.journal, 'utf8')).split('\n').filter((l) => l).map((l) => JSON.parse(l) as JournalEntry);
    const upgradedOnce = entries.filter((e) => e.event.type === 'component.upgraded').map((e) => (e.event.type === 'component.upgraded' ? e.event.component : ''));
    assert.deepEqual(upgradedOnce, ['cert-manager', 'ingress-nginx', 'grafana']);
    assert.equal(entries.filter((e) => e.event.type === 'platform.diffed').length, 1);
  });
});
