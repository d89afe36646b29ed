// The adapters behind the engine's backup and control-plane ports, over a fake API server that answers as
// kube-apiserver and Velero do: a Backup is POSTed as Velero reads it and its status.phase becomes the
// engine's state (New and InProgress in progress, Completed, PartiallyFailed/Failed/FailedValidation failed
// with Velero's reason); a 404 without the object's name means Velero's CRD is not served (not
// installed), with it the backup is absent. `/version` is parsed; `/readyz?verbose` answering 500 names
// the `[-]` checks.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiServerProbe } from '../../../src/kube/control-plane.ts';
import { VeleroBackups } from '../../../src/kube/velero.ts';
import { fakeApi, json, status } from './fake-api.ts';
import type { FakeApi, Handler } from './fake-api.ts';

const open: FakeApi[] = [];
after(async () => {
  for (const f of open) await f.close();
});

const signal = new AbortController().signal;
const BACKUPS = '/apis/velero.io/v1/namespaces/velero/backups';
/** kube-apiserver's answer for a path of a group it does not serve. */
const NOT_SERVED = status(404, 'NotFound', 'the server could not find the requested resource');

async function velero(handle: Handler): Promise<{ f: FakeApi; backups: VeleroBackups }> {
  const f = await fakeApi(handle);
  open.push(f);
  return { f, backups: new VeleroBackups({ cluster: 'eu-central', call: (m, p, b, s) => f.api.raw(m, p, b, s) }) };
}

async function probe(handle: Handler): Promise<{ f: FakeApi; probe: ApiServerProbe }> {
  const f = await fakeApi(handle);
  open.push(f);
  return { f, probe: new ApiServerProbe((m, p, b, s) => f.api.raw(m, p, b, s)) };
}

test('a backup is POSTed as a velero.io/v1 Backup in Velero\'s namespace, with the request\'s names, labels and settings', async () => {
  // Given Velero's CRD served: the POST is created
  let posted: Record<string, unknown> | undefined;
  const { f, backups } = await velero((req, res, body) => {
    posted = JSON.parse(body) as Record<string, unknown>;
    json(res, 201, posted);
  });
  // When a backup is started
  const r = await backups.start({ name: 'daylight-run-7-eu', store: 'velero', namespaces: ['shop'], ttl: '720h', labels: { 'app.kubernetes.io/managed-by': 'daylight' }, annotations: { 'daylight.dev/run': 'run-7' }, snapshotVolumes: false }, signal);
  // Then it started, as one POST to the Backups of Velero's namespace, carrying the object Velero reads
  assert.deepEqual(r, { kind: 'started' });
  assert.deepEqual(f.seen.map((s) => `${s.method} ${s.url}`), [`POST ${BACKUPS}`]);
  assert.deepEqual(posted, {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: 'daylight-run-7-eu', namespace: 'velero', labels: { 'app.kubernetes.io/managed-by': 'daylight' }, annotations: { 'daylight.dev/run': 'run-7' } },
    spec: { includedNamespaces: ['shop'], ttl: '720h', snapshotVolumes: false },
  });
});

test('starting a backup that exists (409) is started; a cluster without Velero is not installed; a refusal says what the server said', async () => {
  const request = { name: 'b', store: 'velero', namespaces: ['shop'], ttl: '720h' };
  const exists = await velero((_q, res) => json(res, 409, status(409, 'AlreadyExists', 'backups.velero.io "b" already exists', { name: 'b', group: 'velero.io', kind: 'backups' })));
  assert.deepEqual(await exists.backups.start(request, signal), { kind: 'started' });
  const none = await velero((_q, res) => json(res, 404, NOT_SERVED));
  assert.deepEqual(await none.backups.start(request, signal), { kind: 'not-installed', reason: 'cluster eu-central does not serve velero.io/v1 Backups in namespace velero (the server could not find the requested resource)' });
  const forbidden = await velero((_q, res) => json(res, 403, status(403, 'Forbidden', 'backups.velero.io is forbidden: User "daylight" cannot create resource "backups"')));
  const refused = await forbidden.backups.start(request, signal);
  assert.equal(refused.kind, 'refused');
  assert.match(refused.kind === 'refused' ? refused.reason : '', /^creating Velero Backup velero\/b answered 403: backups\.velero\.io is forbidden/);
});

test('Velero\'s phases read as the engine\'s states: in progress, completed with its status, failed with its reason and error count', async () => {
  // Given a Backup whose status.phase each read comes from this list
  const statuses: (Record<string, unknown> | undefined)[] = [
    undefined,
    { phase: 'New' },
    { phase: 'InProgress' },
    { phase: 'Completed', itemsBackedUp: 12 },
    { phase: 'PartiallyFailed', errors: 2 },
    { phase: 'Failed', failureReason: 'BackupStorageLocation "default" is unavailable' },
    { phase: 'FailedValidation', validationErrors: ['an existing backup storage location was not specified'] },
  ];
  const { f, backups } = await velero((_q, res) => json(res, 200, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'b' }, ...(statuses[0] ? { status: statuses[0] } : {}) }));
  const states = [];
  for (; statuses.length > 0; statuses.shift()) states.push(await backups.read({ store: 'velero', name: 'b' }, signal));
  // Then each is the state the engine acts on
  assert.deepEqual(states, [
    { kind: 'in-progress', progress: 'no status yet' },
    { kind: 'in-progress', progress: 'phase New' },
    { kind: 'in-progress', progress: 'phase InProgress' },
    { kind: 'completed', details: { phase: 'Completed', itemsBackedUp: 12 } },
    { kind: 'failed', reason: 'PartiallyFailed (2 error(s))', details: { phase: 'PartiallyFailed', errors: 2 } },
    { kind: 'failed', reason: 'Failed (BackupStorageLocation "default" is unavailable)', details: { phase: 'Failed', failureReason: 'BackupStorageLocation "default" is unavailable' } },
    { kind: 'failed', reason: 'FailedValidation', details: { phase: 'FailedValidation', validationErrors: ['an existing backup storage location was not specified'] } },
  ]);
  assert.ok(f.seen.every((s) => s.method === 'GET' && s.url === `${BACKUPS}/b`));
});

test('a 404 naming the backup is absent; one without its name is Velero not installed; a 500 is unreadable', async () => {
  const gone = await velero((_q, res) => json(res, 404, status(404, 'NotFound', 'backups.velero.io "b" not found', { name: 'b', group: 'velero.io', kind: 'backups' })));
  assert.deepEqual(await gone.backups.read({ store: 'velero', name: 'b' }, signal), { kind: 'absent' });
  const none = await velero((_q, res) => json(res, 404, NOT_SERVED));
  assert.equal((await none.backups.read({ store: 'velero', name: 'b' }, signal)).kind, 'not-installed');
  const broken = await velero((_q, res) => json(res, 500, status(500, 'InternalError', 'etcdserver: request timed out')));
  assert.deepEqual(await broken.backups.read({ store: 'velero', name: 'b' }, signal), { kind: 'unreadable', reason: 'GET answered 500: etcdserver: request timed out' });
});

test('/version is read and parsed; an answer that is not a Kubernetes 1.x version is an error that says so', async () => {
  let version = 'v1.31.2-eks-1a2b';
  const { f, probe: p } = await probe((_q, res) => json(res, 200, { major: '1', minor: '31', gitVersion: version, platform: 'linux/amd64' }));
  assert.deepEqual(await p.version(signal), { minor: 31, patch: 2, text: 'v1.31.2-eks-1a2b' });
  version = 'v2.0.0';
  await assert.rejects(p.version(signal), /gitVersion "v2\.0\.0", not a Kubernetes 1\.x version/);
  assert.deepEqual(f.seen.map((s) => s.url), ['/version', '/version']);
  const down = await probe((_q, res) => json(res, 503, status(503, 'ServiceUnavailable', 'unavailable')));
  await assert.rejects(down.probe.version(signal), /GET \/version answered 503/);
});

test('/readyz?verbose: 200 is ready; 500 names every [-] check and keeps what the server said', async () => {
  // Given an API server whose etcd and one post-start hook fail, answering as kube-apiserver does with verbose
  let failing = true;
  const { f, probe: p } = await probe((_q, res) => {
    res.writeHead(failing ? 500 : 200, { 'Content-Type': 'text/plain; charset=utf-8' });
    const lines = ['[+]ping ok', '[+]log ok', failing ? '[-]etcd failed: reason withheld' : '[+]etcd ok', failing ? '[-]poststarthook/rbac/bootstrap-roles failed: not finished' : '[+]poststarthook/rbac/bootstrap-roles ok', '[+]shutdown ok'];
    res.end(`${lines.join('\n')}\n${failing ? 'readyz check failed' : 'readyz check passed'}\n`);
  });
  // When its readiness is read
  const r = await p.readiness(signal);
  // Then it is not ready, with both failing checks named and the failing lines kept
  assert.equal(r.ready, false);
  assert.deepEqual(r.ready ? [] : r.failing, ['etcd', 'poststarthook/rbac/bootstrap-roles']);
  assert.match(r.ready ? '' : r.detail, /^\/readyz answered 500: \[-\]etcd failed: reason withheld \| \[-\]poststarthook\/rbac\/bootstrap-roles failed: not finished \| readyz check failed$/);
  // and once every check passes it is ready; the verbose list was asked for each time
  failing = false;
  assert.deepEqual(await p.readiness(signal), { ready: true });
  assert.deepEqual(f.seen.map((s) => s.url), ['/readyz?verbose', '/readyz?verbose']);
});
