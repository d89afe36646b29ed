// `versions: consistent` on the sandbox: three v1.30 regions in two stages of a rollout, each upgraded by a
// kubernetes phase to "v1.31", the newest patch of the version source. When a newer patch is published to the
// source between the stages (the file rewritten as the first stage completes), the later stage still installs
// the release the first stage validated; with `versions: latest` it takes the new one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession } from '../../src/cli/run-session.ts';
import type { JournalEntry, RunEvent } from '../../src/engine/events.ts';
import { connect } from '../../src/kube/client.ts';
import { parsePlan } from '../../src/plan/load.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { testSigner } from '../helpers/journal-key.ts';
import { upFleet } from './roll/fixtures.ts';

const SPEED = 600;
const REGIONS = ['eu-central', 'region-2', 'region-3'];

function planText(versions: 'consistent' | 'latest', source: string): string {
  return [
    'apiVersion: daylight.dev/v1alpha1',
    'kind: MaintenancePlan',
    `metadata: {name: k8s-fleet-${versions}}`,
    'spec:',
    '  clusters:',
    `    - {name: eu-central, context: eu-central, labels: {env: canary}}`,
    `    - {name: region-2, context: region-2, labels: {env: prod}}`,
    `    - {name: region-3, context: region-3, labels: {env: prod}}`,
    '  phases:',
    '    - name: k8s-131',
    '      type: kubernetes',
    '      to: v1.31',
    '      workers: {maxUnavailable: 1, drain: {timeout: 10m}}',
    `  versionSource: {type: file, path: ${source}}`,
    '  rollout:',
    '    stages:',
    '      - {name: canary, clusters: {selector: env=canary}}',
    '      - {name: prod, clusters: {selector: env=prod}, maxConcurrency: 2}',
    `    versions: ${versions}`,
    '',
  ].join('\n');
}

interface Ran {
  readonly status: string;
  readonly entries: readonly JournalEntry[];
}

/** Runs the plan in this process; `onEntry` sees every journal entry as it is written. */
async function run(ts: TestSandbox, text: string, onEntry: (e: JournalEntry) => void): Promise<Ran> {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-versions-'));
  try {
    const plan = parsePlan(join(dir, 'plan.yaml'), text);
    const entries: JournalEntry[] = [];
    const end = await runSession({
      plan,
      stateDir: dir,
      kubeconfig: ts.kubeconfigPath,
      view: 'json',
      write: (t) => {
        for (const line of t.split('\n').filter((l) => l.trim().startsWith('{'))) {
          const e = JSON.parse(line) as { seq?: number; type?: string } & Record<string, unknown>;
          if (typeof e.seq !== 'number' || typeof e.type !== 'string') continue;
          const { runId, seq, at, ...event } = e as unknown as { runId: string; seq: number; at: string } & RunEvent;
          const entry = { runId, seq, at: Date.parse(at), event: event as RunEvent } as JournalEntry;
          entries.push(entry);
          onEntry(entry);
        }
      },
      skipPreflight: true,
      signer: testSigner(),
    });
    return { status: end.status, entries };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function served(ts: TestSandbox, region: string): Promise<{ apiserver: string; kubelets: string[] }> {
  const c = await connect({ name: region, kubeconfig: ts.kubeconfigPath, context: region });
  try {
    const v = JSON.parse((await c.raw('GET', '/version')).body) as { gitVersion: string };
    return { apiserver: v.gitVersion, kubelets: [...new Set((await c.nodes.list()).map((n) => n.kubeletVersion))] };
  } finally {
    await c.close();
  }
}

for (const versions of ['consistent', 'latest'] as const) {
  describe(`versions: ${versions}, a patch release published between the stages`, () => {
    let ts: TestSandbox | undefined;
    let dir = '';
    before(async () => {
      ts = await upFleet({ regions: 3, zones: 1, nodesPerRack: 2, workloads: ['{name: web, namespace: shop, kind: Deployment, replicas: 2, cpu: 100m, memory: 64Mi, startupSeconds: 5, readinessSeconds: 5, pdb: {minAvailable: 1}}'] }, SPEED);
      dir = await mkdtemp(join(tmpdir(), 'daylight-version-source-'));
    });
    after(async () => {
      await ts?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test(versions === 'consistent' ? 'the later stage installs the release the first stage validated, not the newer one' : 'each cluster takes the newest release when it starts: the later stage installs the newer one', { timeout: 300_000 }, async () => {
      const t = ts as TestSandbox;
      // Given a version source offering v1.31.2, and every region at v1.30
      const source = join(dir, 'versions.json');
      await writeFile(source, JSON.stringify({ kubernetes: ['v1.30.4', 'v1.31.1', 'v1.31.2'] }));
      for (const r of REGIONS) assert.equal((await served(t, r)).apiserver, 'v1.30.4');
      // When the rollout runs and v1.31.3 is published as the canary stage completes
      let published = false;
      const r = await run(t, planText(versions, source), (e) => {
        if (e.event.type === 'rollout.stage.completed' && e.event.stage === 'canary' && !published) {
          published = true;
          writeFileSync(source, JSON.stringify({ kubernetes: ['v1.30.4', 'v1.31.1', 'v1.31.2', 'v1.31.3'] }));
        }
      });
      assert.equal(r.status, 'succeeded', JSON.stringify(r.entries.filter((e) => e.event.type === 'run.failed' || e.event.type === 'warning').map((e) => e.event)));
      assert.ok(published, 'the canary stage completed before prod started');
      const resolved = r.entries.filter((e) => e.event.type === 'version.resolved').map((e) => e.event as Extract<RunEvent, { type: 'version.resolved' }>);
      const canary = await served(t, 'eu-central');
      assert.deepEqual(canary, { apiserver: 'v1.31.2', kubelets: ['v1.31.2'] });
      if (versions === 'consistent') {
        // Then it was resolved once, at the canary, and prod installed the same release
        assert.deepEqual(resolved.map((e) => [e.key, e.version, e.cluster]), [['kubernetes v1.31', 'v1.31.2', 'eu-central']]);
        for (const region of ['region-2', 'region-3']) assert.deepEqual(await served(t, region), { apiserver: 'v1.31.2', kubelets: ['v1.31.2'] }, region);
      } else {
        // Then each cluster asked when it started, and prod took the newer patch
        assert.deepEqual(resolved.map((e) => [e.cluster, e.version]).sort(), [['eu-central', 'v1.31.2'], ['region-2', 'v1.31.3'], ['region-3', 'v1.31.3']]);
        for (const region of ['region-2', 'region-3']) assert.deepEqual(await served(t, region), { apiserver: 'v1.31.3', kubelets: ['v1.31.3'] }, region);
      }
    });
  });
}
