// Benchmark of the deprecated-API scan on 20,000 objects, as manifest files in a temp dir and as
// in-memory objects: time against the 2 s goal, and a naive peer measured in the same run (every
// document through the full YAML parser, the table searched row by row per object). Prints, never asserts.
// Run: npm run bench:api-scan [-- --objects N --runs N]
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { apiVersionOf, indexRemovedApis } from '../src/upgrade/api-index.ts';
import { scanObjects } from '../src/upgrade/api-scan.ts';
import type { ScannedObject } from '../src/upgrade/api-scan.ts';
import { REMOVED_APIS } from '../src/upgrade/data/removed-apis.ts';
import type { RemovedApi } from '../src/upgrade/data/removed-apis.ts';
import { manifestFiles } from '../src/upgrade/manifest-files.ts';
import { scanManifests } from '../src/upgrade/manifest-scan.ts';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '20000' }, runs: { type: 'string', default: '3' } } });
const OBJECTS = Number(values.objects);
const RUNS = Number(values.runs);
const PER_FILE = 10;
const GOAL_MS = 2000;
const SPAN = { current: 28, target: 31 };

/** Kinds in the mix, with apiVersions: most current, one in 40 deprecated or removed. */
const CURRENT = [
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['v1', 'ConfigMap'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['batch/v1', 'CronJob'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
] as const;
const OLD = [
  ['batch/v1beta1', 'CronJob'],
  ['policy/v1beta1', 'PodDisruptionBudget'],
  ['extensions/v1beta1', 'Ingress'],
  ['flowcontrol.apiserver.k8s.io/v1beta2', 'FlowSchema'],
  ['flowcontrol.apiserver.k8s.io/v1beta3', 'PriorityLevelConfiguration'],
  ['autoscaling/v2beta2', 'HorizontalPodAutoscaler'],
] as const;

function pick(i: number): readonly [string, string] {
  return i % 40 === 7 ? (OLD[Math.floor(i / 40) % OLD.length] as readonly [string, string]) : (CURRENT[i % CURRENT.length] as readonly [string, string]);
}

function yamlObject(i: number): string {
  const [apiVersion, kind] = pick(i);
  const ns = `team-${i % 25}`;
  const spec =
    kind === 'Deployment'
      ? `spec:\n  replicas: 3\n  selector:\n    matchLabels: {app: app-${i}}\n  template:\n    metadata:\n      labels: {app: app-${i}, tier: web}\n    spec:\n      containers:\n        - name: app\n          image: "registry.example.com/app:${i % 97}.0"\n          ports: [{containerPort: 8080}]\n          resources:\n            requests: {cpu: 100m, memory: 128Mi}\n          readinessProbe:\n            httpGet: {path: /healthz, port: 8080}\n`
      : kind === 'ConfigMap'
        ? `data:\n  app.properties: |\n    kind: NotAnObject\n    level=info\n    name=app-${i}\n`
        : `spec:\n  # ${kind} settings\n  selector: {app: app-${i}}\n  ports:\n    - {port: 80, targetPort: 8080}\n`;
  return `# generated object ${i}\napiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: app-${i}\n  namespace: ${ns}\n  labels:\n    app.kubernetes.io/name: app-${i}\n    app.kubernetes.io/part-of: shop\n  annotations:\n    example.com/owner: "team-${i % 25}"\n${spec}`;
}

/** 20,000 objects in files of ten documents; every 50th file a `kind: List`, every 20th JSON. */
async function writeManifests(dir: string): Promise<void> {
  const files = Math.ceil(OBJECTS / PER_FILE);
  for (let f = 0; f < files; f++) {
    const sub = join(dir, `app-${f % 40}`);
    await mkdir(sub, { recursive: true });
    const ids = Array.from({ length: Math.min(PER_FILE, OBJECTS - f * PER_FILE) }, (_, k) => f * PER_FILE + k);
    if (f % 20 === 3) {
      const items = ids.map((i) => ({ apiVersion: pick(i)[0], kind: pick(i)[1], metadata: { name: `app-${i}`, namespace: `team-${i % 25}` }, spec: { replicas: 2 } }));
      await writeFile(join(sub, `objects-${f}.json`), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2));
    } else if (f % 50 === 11) {
      const items = ids.map((i) => yamlObject(i).split('\n').filter((l) => !l.startsWith('#')).map((l, n) => (n === 0 ? `  - ${l}` : `    ${l}`)).join('\n'));
      await writeFile(join(sub, `list-${f}.yaml`), `apiVersion: v1\nkind: List\nitems:\n${items.join('\n')}\n`);
    } else {
      await writeFile(join(sub, `objects-${f}.yaml`), ids.map(yamlObject).join('---\n'));
    }
  }
}

function memoryObjects(): ScannedObject[] {
  return Array.from({ length: OBJECTS }, (_, i) => ({ apiVersion: pick(i)[0], kind: pick(i)[1], namespace: `team-${i % 25}`, name: `app-${i}`, source: { type: 'cluster', cluster: 'bench', read: 'served', servedAs: pick(i)[0] } }));
}

/** The peer: each file through the full parser, each object searched for row by row in the table. */
async function naiveFiles(dir: string): Promise<number> {
  let found = 0;
  for (const file of await manifestFiles(dir)) {
    const text = await readFile(file, 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS() as { apiVersion?: string; kind?: string; items?: { apiVersion?: string; kind?: string }[] } | null;
      const objects = value?.kind?.endsWith('List') && Array.isArray(value.items) ? value.items : [value];
      for (const o of objects) if (o && naiveFind(o.apiVersion, o.kind)) found++;
    }
  }
  return found;
}

function naiveFind(apiVersion: string | undefined, kind: string | undefined): RemovedApi | undefined {
  return REMOVED_APIS.find((row) => apiVersionOf(row) === apiVersion && row.kind === kind);
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

async function best<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  let out: { ms: number; result: T } | undefined;
  for (let r = 0; r < RUNS; r++) {
    const t = await timed(fn);
    if (!out || t.ms < out.ms) out = t;
  }
  return out as { ms: number; result: T };
}

function fmt(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

const dir = await mkdtemp(join(tmpdir(), 'daylight-bench-api-scan-'));
try {
  await writeManifests(dir);
  const index = indexRemovedApis();
  const files = await best(() => scanManifests([dir], { index, span: SPAN }));
  const naive = await best(() => naiveFiles(dir));
  const objects = memoryObjects();
  const memory = await best(() => scanObjects(objects, index, SPAN));
  const naiveMemory = await best(() => objects.filter((o) => naiveFind(o.apiVersion, o.kind)).length);
  const scan = files.result;
  console.log(`deprecated-API scan of ${OBJECTS.toLocaleString('en')} objects (path 1.${SPAN.current} → 1.${SPAN.target}; table of ${index.size} rows; best of ${RUNS} runs)`);
  console.log('');
  console.log(`manifests: ${scan.files} files, ${scan.objects} objects, ${scan.findings.length} findings (${scan.findings.filter((f) => f.blocking).length} blocking), ${scan.unreadable.length} unreadable`);
  console.log(`  daylight   ${fmt(files.ms).padStart(9)}   ${(files.ms / GOAL_MS).toFixed(2)}× the 2 s goal (${files.ms <= GOAL_MS ? 'within' : 'OVER'})`);
  console.log(`  naive peer ${fmt(naive.ms).padStart(9)}   full YAML parse of every document, table searched row by row (${naive.result} findings)`);
  console.log(`  ratio      ${(naive.ms / files.ms).toFixed(1)}× faster than the peer`);
  console.log('');
  console.log(`in memory: ${objects.length} objects, ${memory.result.length} findings`);
  console.log(`  daylight   ${fmt(memory.ms).padStart(9)}   one Map lookup per object`);
  console.log(`  naive peer ${fmt(naiveMemory.ms).padStart(9)}   table searched row by row (${naiveMemory.result} findings)`);
  console.log(`  ratio      ${(naiveMemory.ms / memory.ms).toFixed(1)}× faster than the peer`);
  if (naive.result !== scan.findings.length || naiveMemory.result !== memory.result.length) console.log('\nNOTE: the peer and Daylight disagree on the number of findings');
} finally {
  await rm(dir, { recursive: true, force: true });
}
