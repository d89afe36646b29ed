// The deprecated-API scan as a user reads its findings: removed (blocking) against deprecated or later
// (not), cluster objects judged by their last-applied-configuration, manifests with file:line through
// multi-document YAML, kind: List and JSON, and a quick reader that agrees with the full YAML parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { UserError } from '../../../src/lib/errors.ts';
import { indexRemovedApis } from '../../../src/upgrade/api-index.ts';
import { judgeApi, objectName, scanObjects, sourceText } from '../../../src/upgrade/api-scan.ts';
import type { ApiFinding, ScannedObject } from '../../../src/upgrade/api-scan.ts';
import { LAST_APPLIED, scannedObject } from '../../../src/upgrade/cluster-objects.ts';
import type { RemovedApi } from '../../../src/upgrade/data/removed-apis.ts';
import { objectsInText } from '../../../src/upgrade/manifest-objects.ts';
import { scanManifests, scanManifestText } from '../../../src/upgrade/manifest-scan.ts';

const INDEX = indexRemovedApis();
const SPAN = { current: 28, target: 31 };

function object(apiVersion: string, kind: string, name = 'x', namespace = 'shop'): ScannedObject {
  return { apiVersion, kind, name, namespace, source: { type: 'cluster', cluster: 'eu', read: 'served', servedAs: apiVersion } };
}

/** "Kind ns/name apiVersion status blocking line" per finding, for comparing. */
function brief(findings: readonly ApiFinding[]): string[] {
  return findings.map((f) => `${f.object.kind} ${objectName(f.object)} ${f.object.apiVersion} ${f.status}${f.blocking ? ' blocking' : ''} ${sourceText(f.object.source)}`);
}

test('removed at or before the target blocks; removed after the target does not; current APIs are not findings', () => {
  const findings = scanObjects(
    [
      object('flowcontrol.apiserver.k8s.io/v1beta2', 'FlowSchema', 'fs'),
      object('flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', 'fs3'),
      object('batch/v1beta1', 'CronJob', 'nightly'),
      object('batch/v1', 'CronJob', 'fine'),
      object('apps/v1', 'Deployment', 'web'),
      object('v1', 'ConfigMap', 'cm'),
    ],
    INDEX,
    SPAN,
  );
  assert.deepEqual(brief(findings), [
    'FlowSchema shop/fs flowcontrol.apiserver.k8s.io/v1beta2 removed blocking cluster eu (served as flowcontrol.apiserver.k8s.io/v1beta2)',
    'FlowSchema shop/fs3 flowcontrol.apiserver.k8s.io/v1beta3 removed-later cluster eu (served as flowcontrol.apiserver.k8s.io/v1beta3)',
    'CronJob shop/nightly batch/v1beta1 removed blocking cluster eu (served as batch/v1beta1)',
  ]);
  assert.equal(findings[0]?.message, 'removed in 1.29, on the way to 1.31; use flowcontrol.apiserver.k8s.io/v1, served from 1.29 on (or flowcontrol.apiserver.k8s.io/v1beta3 (from 1.26) while the cluster is older than 1.29)');
  assert.equal(findings[1]?.message, 'removed in 1.32, after the target 1.31; use flowcontrol.apiserver.k8s.io/v1, served from 1.29 on');
  assert.equal(findings[2]?.message, 'removed in 1.25, before the current 1.28: it cannot be applied today either; use batch/v1 (served since 1.21)');
  assert.equal(findings[2]?.api.replacement, 'batch/v1');
});

test('an API deprecated along the path but removed after it is a deprecated finding that does not block', () => {
  const row: RemovedApi = { group: 'example.com', version: 'v1beta1', kind: 'Widget', deprecatedIn: '1.30', removedIn: '1.33', replacement: 'example.com/v1', replacementSince: '1.29' };
  assert.deepEqual(judgeApi(row, SPAN), { status: 'deprecated', blocking: false });
  assert.deepEqual(judgeApi(row, { current: 28, target: 29 }), { status: 'removed-later', blocking: false }, 'not yet deprecated at 1.29');
  assert.deepEqual(judgeApi(row, { current: 28, target: 33 }), { status: 'removed', blocking: true });
  const [f] = scanObjects([object('example.com/v1beta1', 'Widget')], indexRemovedApis([row]), SPAN);
  assert.equal(f?.message, 'deprecated since 1.30, removed in 1.33, after the target 1.31; use example.com/v1, served from 1.29 on');
  const [g] = scanObjects([object('example.com/v1beta1', 'Widget')], indexRemovedApis([row]), { current: 29, target: 31 });
  assert.equal(g?.message, 'deprecated since 1.30, removed in 1.33, after the target 1.31; use example.com/v1 (served since 1.29)');
  const none: RemovedApi = { group: 'policy', version: 'v1beta1', kind: 'PodSecurityPolicy', removedIn: '1.25', replacement: null, note: 'no replacement: use Pod Security Admission' };
  assert.match(scanObjects([object('policy/v1beta1', 'PodSecurityPolicy')], indexRemovedApis([none]), SPAN)[0]?.message ?? '', /there is no replacement \(no replacement: use Pod Security Admission\)/);
});

test('a cluster object is judged by the apiVersion in its last-applied-configuration, else by the served one', () => {
  const resource = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment' };
  const written = scannedObject({ metadata: { name: 'legacy', namespace: 'shop', annotations: { [LAST_APPLIED]: JSON.stringify({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'legacy' } }) } } }, resource, 'eu');
  assert.deepEqual(written, { name: 'legacy', namespace: 'shop', apiVersion: 'extensions/v1beta1', kind: 'Deployment', source: { type: 'cluster', cluster: 'eu', read: 'last-applied', servedAs: 'apps/v1' } });
  const plain = scannedObject({ metadata: { name: 'web', namespace: 'shop' } }, resource, 'eu');
  assert.equal(plain.apiVersion, 'apps/v1');
  assert.equal(plain.source.type === 'cluster' && plain.source.read, 'served');
  const garbled = scannedObject({ metadata: { name: 'odd', annotations: { [LAST_APPLIED]: '{not json' } } }, resource, 'eu');
  assert.equal(garbled.source.type === 'cluster' && garbled.source.read, 'served');
  assert.deepEqual(brief(scanObjects([written, plain, garbled], INDEX, SPAN)), ['Deployment shop/legacy extensions/v1beta1 removed blocking cluster eu (last-applied-configuration)']);
});

const MULTI = [
  '# shop manifests', //  1
  'apiVersion: apps/v1', //  2
  'kind: Deployment', //  3
  'metadata: {name: web, namespace: shop}', //  4
  '---', //  5
  'apiVersion: policy/v1beta1', //  6
  'kind: PodDisruptionBudget', //  7
  'metadata:', //  8
  '  name: web', //  9
  '  namespace: shop', // 10
  'spec: {minAvailable: 1}', // 11
  '--- # the list', // 12
  'apiVersion: v1', // 13
  'kind: List', // 14
  'items:', // 15
  '  - apiVersion: batch/v1beta1', // 16
  '    kind: CronJob', // 17
  '    metadata: {name: nightly, namespace: ops}', // 18
  '  - apiVersion: v1', // 19
  '    kind: ConfigMap', // 20
  '    metadata: {name: settings}', // 21
  '---', // 22
  'replicaCount: 3', // 23: Helm values, not a Kubernetes object
  'image: {tag: "1.2"}', // 24
  '---', // 25
  'apiVersion: flowcontrol.apiserver.k8s.io/v1beta3', // 26
  'kind: PriorityLevelConfiguration', // 27
  'metadata: {name: batch}', // 28
  '',
].join('\n');

test('multi-document YAML with kind: List: each finding at file:line of its apiVersion; other documents are counted or ignored', () => {
  const scan = scanManifestText('deploy/shop.yaml', MULTI, { index: INDEX, span: SPAN });
  assert.deepEqual(brief(scan.findings), [
    'PodDisruptionBudget shop/web policy/v1beta1 removed blocking deploy/shop.yaml:6',
    'CronJob ops/nightly batch/v1beta1 removed blocking deploy/shop.yaml:16',
    'PriorityLevelConfiguration batch flowcontrol.apiserver.k8s.io/v1beta3 removed-later deploy/shop.yaml:26',
  ]);
  assert.equal(scan.objects, 5, 'Deployment, PodDisruptionBudget, two list items and the PriorityLevelConfiguration');
  assert.deepEqual(scan.unreadable, []);
});

test('JSON manifests, a single object or a List, with lines', () => {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } }, { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'hpa', namespace: 'shop' } }] }, null, 2);
  const scan = scanManifestText('objects.json', list, { index: INDEX, span: SPAN });
  assert.deepEqual(brief(scan.findings), ['HorizontalPodAutoscaler shop/hpa autoscaling/v2beta2 removed blocking objects.json:13']);
  assert.equal(scan.objects, 2);
  const clean = scanManifestText('ok.json', JSON.stringify({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' } }), { index: INDEX, span: SPAN });
  assert.deepEqual([clean.objects, clean.findings.length], [1, 0]);
});

test('a document that does not parse is reported with its line, and the rest of the file is still scanned', () => {
  const text = ['apiVersion: batch/v1beta1', 'kind: CronJob', 'metadata: {name: a}', '---', 'apiVersion: v1', 'kind: ConfigMap', 'data: [unclosed', '---', 'apiVersion: batch/v1beta1', 'kind: CronJob', 'metadata: {name: b}', ''].join('\n');
  const scan = scanManifestText('mixed.yaml', text, { index: INDEX, span: SPAN });
  assert.deepEqual(brief(scan.findings), ['CronJob a batch/v1beta1 removed blocking mixed.yaml:1', 'CronJob b batch/v1beta1 removed blocking mixed.yaml:9']);
  assert.equal(scan.unreadable.length, 1);
  assert.equal(scan.unreadable[0]?.file, 'mixed.yaml');
  assert.ok((scan.unreadable[0]?.line ?? 0) >= 5 && (scan.unreadable[0]?.line ?? 0) <= 8, `line ${scan.unreadable[0]?.line}`);
});

test('a directory is read recursively: .yaml, .yml and .json, nothing else; a missing directory is bad input', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-api-scan-'));
  try {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'b', 'pdb.yml'), 'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p}\n');
    await writeFile(join(dir, 'cron.json'), JSON.stringify({ apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'c' } }));
    await writeFile(join(dir, 'notes.txt'), 'apiVersion: batch/v1beta1\nkind: CronJob\n');
    await writeFile(join(dir, 'web.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n');
    const scan = await scanManifests([dir], { index: INDEX, span: SPAN });
    assert.equal(scan.files, 3);
    assert.equal(scan.objects, 3);
    assert.deepEqual(brief(scan.findings), [`PodDisruptionBudget p policy/v1beta1 removed blocking ${join(dir, 'a', 'b', 'pdb.yml')}:1`, `CronJob c batch/v1beta1 removed blocking ${join(dir, 'cron.json')}:1`]);
    await assert.rejects(scanManifests([join(dir, 'missing')], { index: INDEX, span: SPAN }), (e: unknown) => e instanceof UserError && /--manifests .*missing: no such directory/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Documents that the quick reader must read as the full parser does, or hand over to it. */
const TRICKY = [
  'apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: plain}\n',
  'apiVersion: "batch/v1beta1"   # quoted, with a comment\nkind: \'CronJob\'\nmetadata: {name: quoted}\n',
  'kind: CronJob\nmetadata:\n  name: kind-first\napiVersion: batch/v1beta1\n',
  '  apiVersion: batch/v1beta1\n  kind: CronJob\n  metadata: {name: indented-root}\n',
  '{apiVersion: batch/v1beta1, kind: CronJob, metadata: {name: flow-root}}\n',
  '{"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget", "metadata": {"name": "json-in-yaml"}}\n',
  'base: &b {apiVersion: batch/v1beta1, kind: CronJob}\n',
  '"apiVersion": batch/v1beta1\n"kind": CronJob\nmetadata: {name: quoted-keys}\n',
  'apiVersion: &v batch/v1beta1\nkind: CronJob\nmetadata: {name: anchored}\n',
  'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: current}\ndata:\n  script: |\n    apiVersion: batch/v1beta1\n    kind: CronJob\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: "x\n  kind: CronJob"}\n',
  'description: "runs on\n  apiVersion: batch/v1beta1"\nkind: CronJob\n',
  'apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1beta1\n  kind: CronJob\n  metadata: {name: in-list}\n',
  'apiVersion: v1\nkind: CronJobList\nitems:\n  - {apiVersion: batch/v1beta1, kind: CronJob, metadata: {name: in-typed-list}}\n',
  'apiVersion: batch/v1beta1\r\nkind: CronJob\r\nmetadata: {name: crlf}\r\n',
  'apiVersion: batch/v1beta1\nkind: CronJob\nkind: CronJob\n',
  '- apiVersion: batch/v1beta1\n  kind: CronJob\n',
  '# only a comment\n',
  '',
  'apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: tabbed\n\tlabels: {}\n',
  'apiVersion: batch/v1beta1\nkind: !!str CronJob\nmetadata: {name: tagged}\n',
  'apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: trailing-dots}\n...\n',
  'apiVersion: batch/v1beta1\nkind: CronJob\nspec: [a,\n  b]\nmetadata: {name: open-flow}\n',
  '<<: {apiVersion: batch/v1beta1, kind: CronJob}\nmetadata: {name: merged}\n',
  'apiVersion:   batch/v1beta1\nkind:    CronJob    \nmetadata: {name: spaces}\n',
  'apiVersion: batch/v1beta1#not-a-comment\nkind: CronJob\n',
];
const SEPARATORS = ['---\n', '--- # next\n', '---\n\n', '\n---\n'];

/** What the full parser alone finds in a text: the reference the quick path must agree with. */
function reference(file: string, text: string): string[] {
  const objects = objectsInText(text).objects;
  const scanned = objects.map((m): ScannedObject => ({ apiVersion: m.apiVersion, kind: m.kind, name: m.name ?? '', ...(m.namespace ? { namespace: m.namespace } : {}), source: { type: 'file', file, line: m.line } }));
  return brief(scanObjects(scanned, INDEX, SPAN));
}

test('every tricky document alone: the quick reader finds what the full parser finds, at the same line', () => {
  for (const doc of TRICKY) {
    const text = `# header\n${doc}`;
    assert.deepEqual(brief(scanManifestText('t.yaml', text, { index: INDEX, span: SPAN }).findings), reference('t.yaml', text), JSON.stringify(doc));
  }
});

test('property: any file made of tricky documents scans the same as through the full parser', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...TRICKY), fc.constantFrom(...SEPARATORS)), { minLength: 1, maxLength: 6 }), fc.boolean(), (docs, leading) => {
      const text = (leading ? '---\n' : '') + docs.map(([d, sep], i) => (i === 0 ? d : sep + d)).join('');
      const quick = scanManifestText('p.yaml', text, { index: INDEX, span: SPAN });
      assert.deepEqual(brief(quick.findings), reference('p.yaml', text));
    }),
    { numRuns: 400 },
  );
});
