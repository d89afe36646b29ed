// End-to-end: the real kubectl reads nodes and pods from the sandbox and changes nodes (cordon, patch in its
// three flavours, label, annotate), and sees what it would see on a real cluster: the same on both engines.
// Registered by kubectl.test.ts on the sandbox it shares with the other kubectl groups.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitMs } from '../support/engine-sandbox.ts';
import type { EngineName, EngineSandbox } from '../support/engine-sandbox.ts';
import { ok, tableHeader, tableRows } from './helpers.ts';

const WORKERS = ['a', 'b', 'c'].flatMap((z) => [1, 2].map((n) => `eu-central-${z}-r1-n${n}`));
const CONTROL_PLANE = 'eu-central-cp-1';

export function kubectlNodeTests(sandbox: () => EngineSandbox, engine: EngineName): void {
  let ts: EngineSandbox;

  before(async () => {
    ts = sandbox();
    await ts.until('every pod is Ready', () => ts.settled(), waitMs(engine));
  });

  test('kubectl get nodes lists every node Ready, with the control-plane node in the control-plane role', async () => {
    // Given a running region of six workers and one control-plane node
    // When
    const out = ok(await ts.kubectl(['get', 'nodes']), 'get nodes');
    // Then
    assert.deepEqual(tableHeader(out), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    const rows = tableRows(out);
    assert.deepEqual(rows.map((r) => r.NAME).sort(), [...WORKERS, CONTROL_PLANE].sort());
    for (const r of rows) {
      assert.equal(r.STATUS, 'Ready', `${r.NAME} is Ready`);
      assert.equal(r.VERSION, 'v1.30.4');
      assert.match(r.AGE ?? '', /^\d+[smhd]/);
      assert.equal(r.ROLES, r.NAME === CONTROL_PLANE ? 'control-plane' : '<none>');
    }
  });

  test('kubectl get nodes -o wide shows each node\'s internal IP', async () => {
    // Given the same region
    // When
    const out = ok(await ts.kubectl(['get', 'nodes', '-o', 'wide']), 'get nodes -o wide');
    // Then
    assert.ok(tableHeader(out).includes('INTERNAL-IP'), out);
    const rows = tableRows(out);
    assert.equal(rows.length, 7);
    const ips = rows.map((r) => r['INTERNAL-IP'] ?? '');
    for (const ip of ips) assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(new Set(ips).size, ips.length, 'every node has its own IP');
    for (const r of rows) assert.match(r['OS-IMAGE'] ?? '', /Debian GNU\/Linux 12/);
  });

  test('kubectl get pods -A -o wide shows every pod 1/1 Running on a named node', async () => {
    // Given the shop/web Deployment of four replicas, all Ready
    // When
    const out = ok(await ts.kubectl(['get', 'pods', '-A', '-o', 'wide']), 'get pods -A -o wide');
    // Then
    const header = tableHeader(out);
    for (const column of ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']) assert.ok(header.includes(column), `column ${column} in ${header.join(' ')}`);
    const rows = tableRows(out);
    const web = rows.filter((r) => r.NAMESPACE === 'shop' && r.NAME?.startsWith('web-'));
    assert.equal(web.length, 4, out);
    for (const r of rows) {
      assert.equal(r.READY, '1/1', `${r.NAME} READY`);
      assert.equal(r.STATUS, 'Running', `${r.NAME} STATUS`);
      assert.equal(r.RESTARTS, '0');
      assert.match(r.AGE ?? '', /^\d+[smhd]/);
      assert.ok(WORKERS.includes(r.NODE ?? ''), `${r.NAME} runs on a worker, not on "${r.NODE}"`);
    }
    assert.equal(new Set(web.map((r) => r.NODE)).size, 4, 'spread over four nodes');
  });

  test('kubectl cordon marks a node SchedulingDisabled and uncordon makes it schedulable again', async () => {
    // Given a Ready worker
    const node = 'eu-central-a-r1-n1';
    // When it is cordoned
    assert.match(ok(await ts.kubectl(['cordon', node]), 'cordon'), new RegExp(`node/${node} cordoned`));
    // Then kubectl shows it Ready,SchedulingDisabled
    assert.equal(tableRows(ok(await ts.kubectl(['get', 'node', node]), 'get node'))[0]?.STATUS, 'Ready,SchedulingDisabled');
    // When it is uncordoned
    assert.match(ok(await ts.kubectl(['uncordon', node]), 'uncordon'), new RegExp(`node/${node} uncordoned`));
    // Then it is plain Ready again
    assert.equal(tableRows(ok(await ts.kubectl(['get', 'node', node]), 'get node'))[0]?.STATUS, 'Ready');
  });

  const jsonpath = async (node: string, path: string) => ok(await ts.kubectl(['get', 'node', node, '-o', `jsonpath=${path}`]), `jsonpath ${path}`);

  test('kubectl patch changes a node with a strategic merge, a JSON merge and a JSON patch', async () => {
    // Given a worker without the labels the patches add
    const node = 'eu-central-b-r1-n2';
    assert.equal(await jsonpath(node, '{.metadata.labels.stage}|{.metadata.labels.checked}|{.spec.unschedulable}'), '||');
    // When it is patched three ways
    assert.match(ok(await ts.kubectl(['patch', 'node', node, '-p', '{"metadata":{"labels":{"stage":"one"}}}']), 'strategic patch'), /patched/);
    assert.match(ok(await ts.kubectl(['patch', 'node', node, '--type=merge', '-p', '{"spec":{"unschedulable":true}}']), 'merge patch'), /patched/);
    assert.match(ok(await ts.kubectl(['patch', 'node', node, '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/checked","value":"yes"}]']), 'json patch'), /patched/);
    // Then every change shows, and the labels it had are still there
    assert.equal(await jsonpath(node, '{.metadata.labels.stage}|{.metadata.labels.checked}|{.spec.unschedulable}'), 'one|yes|true');
    assert.equal(await jsonpath(node, '{.metadata.labels.topology\\.kubernetes\\.io/zone}'), 'eu-central-b');
    assert.equal(tableRows(ok(await ts.kubectl(['get', 'node', node]), 'get node'))[0]?.STATUS, 'Ready,SchedulingDisabled');
    // When a JSON patch removes what the merge patch set
    ok(await ts.kubectl(['patch', 'node', node, '--type=json', '-p', '[{"op":"remove","path":"/spec/unschedulable"}]']), 'json remove');
    // Then the node is schedulable again
    assert.equal(await jsonpath(node, '{.spec.unschedulable}'), '');
  });

  test('kubectl label and annotate add and remove (key-) a node\'s labels and annotations', async () => {
    // Given a worker
    const node = 'eu-central-c-r1-n1';
    // When a label and an annotation are added
    assert.match(ok(await ts.kubectl(['label', 'node', node, 'team=blue']), 'label'), new RegExp(`node/${node} labeled`));
    assert.match(ok(await ts.kubectl(['annotate', 'node', node, 'daylight.dev/note=patched on tuesday']), 'annotate'), new RegExp(`node/${node} annotated`));
    // Then both show
    assert.equal(await jsonpath(node, '{.metadata.labels.team}|{.metadata.annotations.daylight\\.dev/note}'), 'blue|patched on tuesday');
    // When overwriting a label without --overwrite
    const refused = await ts.kubectl(['label', 'node', node, 'team=red']);
    // Then kubectl refuses, and with --overwrite it changes
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /already has a value \(blue\), and --overwrite is false/);
    ok(await ts.kubectl(['label', 'node', node, 'team=red', '--overwrite']), 'label --overwrite');
    assert.equal(await jsonpath(node, '{.metadata.labels.team}'), 'red');
    // When both are removed with key-
    assert.match(ok(await ts.kubectl(['label', 'node', node, 'team-']), 'unlabel'), new RegExp(`node/${node} unlabeled`));
    ok(await ts.kubectl(['annotate', 'node', node, 'daylight.dev/note-']), 'unannotate');
    // Then they are gone and the node's own labels stay
    const labels = JSON.parse(await jsonpath(node, '{.metadata.labels}')) as Record<string, string>;
    const annotations = JSON.parse(await jsonpath(node, '{.metadata.annotations}')) as Record<string, string>;
    assert.equal(labels.team, undefined);
    assert.equal(annotations['daylight.dev/note'], undefined);
    assert.equal(labels['kubernetes.io/hostname'], node);
  });
}
