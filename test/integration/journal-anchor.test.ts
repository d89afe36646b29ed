// The journal's head in a real API server: a run on the sandbox anchors its signed head in a ConfigMap of
// its cluster, `audit verify` reads it back from the plan's cluster, and a journal with its last 10 entries
// cut is caught against it. The ConfigMap only moves forward, in one request per head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditCommand } from '../../src/cli/audit.ts';
import { runSession } from '../../src/cli/run-session.ts';
import { connect } from '../../src/kube/client.ts';
import { RequestTally } from '../../src/lib/request-tally.ts';
import { headConfigMapName, readHead, writeHead } from '../../src/kube/journal-head.ts';
import { parsePlan } from '../../src/plan/load.ts';
import { smallFleet } from '../support/fleets.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import { testSigner } from '../helpers/journal-key.ts';

const PLAN = [
  'apiVersion: daylight.dev/v1alpha1',
  'kind: MaintenancePlan',
  'metadata: {name: anchored}',
  'spec:',
  '  clusters: [{name: eu-central, context: eu-central}]',
  '  phases:',
  '    - {name: os-patch, type: nodes, maxUnavailable: 1, canary: 1, drain: {timeout: 10m}, ready: {timeout: 10m}}',
  '',
].join('\n');

async function audit(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await auditCommand.run(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

test('a run anchors its head in its cluster; audit verify checks the journal against it and catches a cut tail', { timeout: 180_000 }, async () => {
  const ts = await startTestSandbox(smallFleet({ speed: 60, rebootSeconds: 60 }));
  const dir = await mkdtemp(join(tmpdir(), 'daylight-anchor-'));
  try {
    await ts.until('every pod is Ready', () => allPodsReady(ts.sandbox));
    const planFile = join(dir, 'plan.yaml');
    await writeFile(planFile, PLAN);
    const signer = testSigner();
    const keyFile = join(dir, 'journal.pub.pem');
    await writeFile(keyFile, createPublicKey({ key: Buffer.from(signer.key.spki, 'base64'), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }));
    // Given a run that maintained the cluster
    const end = await runSession({ plan: parsePlan(planFile, PLAN), stateDir: join(dir, 'state'), kubeconfig: ts.kubeconfigPath, view: 'json', write: () => undefined, signer });
    if (end.status === 'refused') assert.fail('the plan was refused by preflight');
    assert.equal(end.status, 'succeeded');
    const lines = (await readFile(end.paths.journal, 'utf8')).split('\n').filter((l) => l !== '');
    const verify = ['verify', end.runId, '--state-dir', join(dir, 'state'), '--key', keyFile, '-f', planFile, '--kubeconfig', ts.kubeconfigPath];
    // When it is verified, then the head in the cluster is the journal's last entry
    const intact = await audit(verify);
    assert.equal(intact.code, 0, intact.err);
    assert.match(intact.out, new RegExp(`intact, signed by key ${signer.key.id}, anchored at seq ${lines.length} in cluster eu-central \\(ConfigMap kube-system/daylight-journal-${end.runId}\\): ${lines.length} entries`));
    // When the last 10 entries are cut, then the anchor catches it
    await writeFile(end.paths.journal, `${lines.slice(0, -10).join('\n')}\n`);
    const cut = await audit(verify);
    assert.equal(cut.code, 1);
    assert.match(cut.err, new RegExp(`truncated: the journal ends at seq ${lines.length - 10} \\(line ${lines.length - 10}\\), but the head anchored in cluster eu-central .* is seq ${lines.length}: the last 10 entries were cut`));
  } finally {
    await ts.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the head ConfigMap moves forward in one request per head, never back, and is made again when deleted', { timeout: 60_000 }, async () => {
  const ts = await startTestSandbox(smallFleet({ zones: 1 }));
  const requests = new RequestTally();
  const cluster = await connect({ name: 'eu-central', kubeconfig: ts.kubeconfigPath, context: 'eu-central', onRequest: requests.observe });
  try {
    const head = (seq: number) => ({ runId: 'run-x', seq, hash: String(seq).repeat(64).slice(0, 64), keyId: 'k', sig: `s${seq}` });
    const first = await writeHead(cluster.api, head(3));
    const before = requests.count;
    const second = await writeHead(cluster.api, head(5), first);
    assert.equal(requests.count - before, 1, 'one request to move the head forward');
    // A writer with an older head (another process of the same run) does not move it back
    await writeHead(cluster.api, head(4));
    assert.equal((await readHead(cluster.api, 'run-x'))?.seq, 5);
    // Deleted (by someone with cluster write access), it is made again by the next head
    await cluster.api.call('delete', (o) => cluster.api.core.deleteNamespacedConfigMap({ name: headConfigMapName('run-x'), namespace: 'kube-system' }, o));
    await writeHead(cluster.api, head(6), second);
    assert.deepEqual(await readHead(cluster.api, 'run-x'), head(6));
  } finally {
    await cluster.close();
    await ts.stop();
  }
});
