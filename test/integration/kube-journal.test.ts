// The journal in the API server on the kubernetes engine, whose real API server enforces resourceVersion
// preconditions: a second writer that takes a run over fences the first (its next append is refused with
// JournalFenced, and the journal holds nothing of it after the takeover); a journal over several ConfigMaps
// passes `daylight audit verify --from-cluster` (and `daylight report --from-cluster`), and fails once one
// entry is changed with kubectl, naming the entry and its ConfigMap. One sandbox of one region and one node,
// no workloads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { RunEvent } from '../../src/engine/events.ts';
import type { SealedEntry } from '../../src/engine/ports/journal.ts';
import type { KubeApi } from '../../src/kube/api.ts';
import { connectApi } from '../../src/kube/client.ts';
import { kubeConfigMaps, kubeSecrets } from '../../src/kube/namespaced-objects.ts';
import { chunkName, JournalFenced, KubeJournal, readChunks } from '../../src/journal/kube-journal.ts';
import { journalSignerInSecret } from '../../src/journal/kube-journal-key.ts';
import { ok } from '../e2e/helpers.ts';
import { tempConfigHome } from '../helpers/journal-key.ts';
import { START_TIMEOUT_MS, startEngineSandbox } from '../support/engine-sandbox.ts';
import type { EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';

const NS = 'daylight-system';
const ROOT = resolve(import.meta.dirname, '../..');
const NODE_BIN = resolve(ROOT, 'node_modules/.bin/node');
const cordon = (node: string): RunEvent => ({ type: 'node.cordon.requested', cluster: 'eu-central', node });

/** Runs the daylight CLI as a user would; resolves with its exit code and output. */
function daylight(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(NODE_BIN, ['src/cli/entry.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('the journal in the API server on the kubernetes engine', () => {
  let sandbox: EngineSandbox;
  let context: string;
  /** One API client per writer, as two controller replicas would have. */
  const apis: KubeApi[] = [];
  const api = () => {
    const a = connectApi({ kubeconfig: sandbox.kubeconfigPath, context, env: {} });
    apis.push(a);
    return a;
  };

  before(async () => {
    tempConfigHome();
    sandbox = await startEngineSandbox(smallFleet({ workloads: [], zones: 1, nodesPerRack: 1 }), { engine: 'kubernetes' });
    context = ok(await sandbox.kubectl(['config', 'current-context']), 'current context').trim();
    ok(await sandbox.kubectl(['create', 'namespace', NS]), `create namespace ${NS}`);
  }, { timeout: START_TIMEOUT_MS });
  after(async () => {
    await Promise.all(apis.map((a) => a.close()));
    await sandbox?.stop();
  });

  test('a second writer takes the run over: the first one\'s next append is refused, and nothing of it is kept after the takeover', async () => {
    // Given writer A, signing with the key in the Secret, that appended three entries
    const runId = 'takeover-20261206-080000-0001';
    const apiA = api();
    const signer = await journalSignerInSecret(kubeSecrets(apiA), NS);
    const a = await KubeJournal.open<RunEvent>({ configMaps: kubeConfigMaps(apiA), runId, clock: () => Date.now(), signer });
    for (const n of ['a-1', 'a-2', 'a-3']) await a.append(cordon(n));
    // When writer B opens the journal (it reads A's three) and appends, as a new leader resuming the run
    const apiB = api();
    const b = await KubeJournal.open<RunEvent>({ configMaps: kubeConfigMaps(apiB), runId, clock: () => Date.now(), signer: await journalSignerInSecret(kubeSecrets(apiB), NS) });
    assert.deepEqual(b.entries, a.entries);
    await b.append({ type: 'run.resumed', holder: 'b' });
    // Then A's next appends are refused by the API server's resourceVersion precondition
    const refused = await a.append(cordon('a-4')).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof JournalFenced, String(refused));
    assert.match(refused.message, new RegExp(`ConfigMap ${NS}/${chunkName(runId, 0)}: the journal was written by someone else since this writer read it \\(resourceVersion expected \\d+, found \\d+\\)`));
    await assert.rejects(a.append(cordon('a-5')), JournalFenced);
    // And B carries on; the journal holds A's three, then only B's
    await b.append(cordon('b-2'));
    const kept = await KubeJournal.open<RunEvent>({ configMaps: kubeConfigMaps(api()), runId, clock: () => Date.now(), signer });
    const label = (e: SealedEntry<RunEvent>) => (e.event as { node?: string }).node ?? e.event.type;
    assert.deepEqual(kept.entries.map((e) => [e.seq, label(e)]), [[1, 'a-1'], [2, 'a-2'], [3, 'a-3'], [4, 'run.resumed'], [5, 'b-2']]);
  });

  test('a journal over several ConfigMaps passes audit verify --from-cluster, and fails after one entry is edited with kubectl', async () => {
    // Given a signed journal of 900 entries, appended fifty at a time, that spans two ConfigMaps or more
    const runId = 'chunks-20261206-080000-0002';
    const writerApi = api();
    const configMaps = kubeConfigMaps(writerApi);
    const signer = await journalSignerInSecret(kubeSecrets(writerApi), NS);
    const journal = await KubeJournal.open<RunEvent>({ configMaps, runId, clock: () => Date.now(), signer });
    for (let i = 0; i < 900; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => journal.append(cordon(`node-${String(i + k).padStart(4, '0')}-of-the-eu-central-pool`))));
    const chunks = await readChunks(configMaps, NS, runId);
    assert.ok(chunks.length >= 2, `${chunks.length} ConfigMap(s)`);
    assert.deepEqual(chunks.map((c) => c.name), chunks.map((_, n) => chunkName(runId, n)));
    const args = ['--from-cluster', runId, '--kubeconfig', sandbox.kubeconfigPath, '--context', context, '--namespace', NS];
    // When audit verify reads it from the API server, Then it is intact and signed by the key in the Secret
    const intact = await daylight(['audit', 'verify', ...args, '--no-anchor']);
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(intact.stdout, new RegExp(`^${runId}: intact, signed by key ${signer.key.id}; the anchor was not checked \\(--no-anchor\\): 900 entries`));
    // And the report reads it the same way
    const report = await daylight(['report', ...args, '--format', 'json']);
    assert.equal(report.code, 0, report.stderr);
    assert.equal((JSON.parse(report.stdout) as { integrity: { ok: boolean; verified: number } }).integrity.verified, 900);
    // When one entry's node is changed in the second ConfigMap, directly with kubectl
    const second = chunks[1];
    assert.ok(second);
    const victim = JSON.parse(second.text.split('\n')[2] ?? '') as SealedEntry<RunEvent>;
    const node = (victim.event as { node: string }).node;
    const edited = second.text.replace(`"node":"${node}"`, '"node":"node-9999-of-the-eu-central-pool"');
    assert.notEqual(edited, second.text);
    // (the patch is a whole chunk, over the size of one command-line argument: it goes in a file)
    const patch = join(await mkdtemp(join(tmpdir(), 'daylight-patch-')), 'patch.json');
    await writeFile(patch, JSON.stringify({ data: { 'journal.jsonl': edited } }));
    ok(await sandbox.kubectl(['patch', 'configmap', second.name, '-n', NS, '--type', 'merge', '--patch-file', patch]), 'kubectl patch');
    await rm(dirname(patch), { recursive: true, force: true });
    // Then audit verify fails with exit code 1, naming the entry and where it is
    const broken = await daylight(['audit', 'verify', ...args, '--no-anchor']);
    assert.equal(broken.code, 1, broken.stdout);
    assert.match(broken.stderr, new RegExp(`entry seq ${victim.seq} .*: its content does not match its hash .*: the entry was edited after it was written`));
    assert.match(broken.stderr, new RegExp(`is line 3 of ConfigMap ${NS}/${second.name} \\(journal\\.jsonl\\)`));
    // And the report says its chain is broken
    assert.equal((await daylight(['report', ...args, '--format', 'json'])).code, 1);
  });

  test('a run with no journal in the namespace is bad input, named with the namespace', async () => {
    const missing = await daylight(['audit', 'verify', '--from-cluster', 'no-such-run', '--kubeconfig', sandbox.kubeconfigPath, '--context', context, '--namespace', NS]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, new RegExp(`^daylight: no journal of run no-such-run in namespace daylight-system of the cluster of context "${context}" \\(https://[^)]+\\): no ConfigMap labelled daylight\\.dev/run=no-such-run`));
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
  });
});
