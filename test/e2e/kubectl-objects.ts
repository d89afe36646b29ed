// End-to-end: the real kubectl creates and deletes objects from a manifest file, and meets the sandbox's
// errors as a real API server sends them: 401 without a token, NotFound, AlreadyExists, 409 Conflict on a
// stale resourceVersion and 422 Invalid on a bad name; the same on both engines.
// Registered by kubectl.test.ts on the sandbox it shares with the other kubectl groups.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitMs } from '../support/engine-sandbox.ts';
import type { EngineName, EngineSandbox } from '../support/engine-sandbox.ts';
import { manifestDir, ok, rawRequest, tableRows } from './helpers.ts';

const HELLO = `apiVersion: v1
kind: ConfigMap
metadata: {name: hello-config, namespace: shop}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers:
        - name: hello
          image: registry.example/hello:1.0.0
          resources: {requests: {cpu: 100m, memory: 64Mi}}
`;

interface StatusBody {
  kind?: string;
  apiVersion?: string;
  status?: string;
  reason?: string;
  code?: number;
  message?: string;
}

export function kubectlObjectTests(sandbox: () => EngineSandbox, engine: EngineName): void {
  let ts: EngineSandbox;
  let files: Awaited<ReturnType<typeof manifestDir>>;
  const WAIT_MS = waitMs(engine);

  before(async () => {
    ts = sandbox();
    files = await manifestDir();
    await ts.until('every pod is Ready', () => ts.settled(), WAIT_MS);
  });

  after(async () => {
    await files?.remove();
  });

  test('kubectl create -f makes a Deployment and a ConfigMap whose pods become Ready; delete -f removes them', async () => {
    // Given a manifest with a ConfigMap and a Deployment of two replicas
    const path = await files.write('hello.yaml', HELLO);
    // When it is created
    const created = ok(await ts.kubectl(['create', '-f', path]), 'create -f');
    // Then kubectl reports both created, shows them, and the pods become 1/1 Running
    assert.match(created, /^configmap\/hello-config created$/m);
    assert.match(created, /^deployment\.apps\/hello created$/m);
    assert.equal(ok(await ts.kubectl(['get', 'configmap', 'hello-config', '-n', 'shop', '-o', 'jsonpath={.data.greeting}']), 'get configmap'), 'hello');
    await ts.until('deployment hello is 2/2', async () => tableRows((await ts.kubectl(['get', 'deployment', 'hello', '-n', 'shop'])).stdout)[0]?.READY === '2/2', WAIT_MS);
    const pods = tableRows(ok(await ts.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=hello']), 'get pods -l'));
    assert.equal(pods.length, 2);
    for (const p of pods) assert.deepEqual([p.READY, p.STATUS], ['1/1', 'Running'], `${p.NAME}`);

    // When the same manifest is deleted
    const deleted = ok(await ts.kubectl(['delete', '-f', path]), 'delete -f');
    // Then kubectl reports both deleted, and getting them is NotFound
    assert.match(deleted, /^configmap "hello-config" deleted$/m);
    assert.match(deleted, /^deployment\.apps "hello" deleted$/m);
    const gone = await ts.kubectl(['get', '-f', path]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /Error from server \(NotFound\): configmaps "hello-config" not found/);
    assert.match(gone.stderr, /Error from server \(NotFound\): deployments\.apps "hello" not found/);
    // and the pods the Deployment owned go with it
    await ts.until('the hello pods are gone', async () => ok(await ts.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=hello', '-o', 'name']), 'get pods').trim() === '', WAIT_MS);
  });

  test('a request without the token gets 401 Unauthorized, and so does kubectl with a wrong token', async () => {
    // Given the region's API server, reached over TLS that trusts only the sandbox's CA
    // When nodes are listed with no Authorization header
    const res = await rawRequest(ts, 'eu-central', { path: '/api/v1/nodes', token: null });
    // Then the answer is 401 with a Status whose reason is Unauthorized
    assert.equal(res.status, 401);
    const body = res.body as StatusBody;
    assert.deepEqual([body.kind, body.apiVersion, body.status, body.reason, body.code], ['Status', 'v1', 'Failure', 'Unauthorized', 401]);
    // When kubectl brings a wrong token
    const wrong = await ts.kubectl(['--token', 'wrong', 'get', 'nodes']);
    // Then it fails and says so (kubectl before 1.29 put the Status message, newer ones their own words)
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/);
    assert.equal(wrong.stdout, '');
  });

  test('kubectl get of a pod that does not exist says NotFound as a real API server does', async () => {
    // Given no pod named "nope"
    // When
    const r = await ts.kubectl(['get', 'pod', 'nope']);
    // Then
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
  });

  test('kubectl create of an object that exists says AlreadyExists', async () => {
    // Given a ConfigMap
    const path = await files.write('exists.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: exists, namespace: shop}\ndata: {a: "1"}\n');
    ok(await ts.kubectl(['create', '-f', path]), 'first create');
    // When it is created again
    const again = await ts.kubectl(['create', '-f', path]);
    // Then
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Error from server \(AlreadyExists\): error when creating ".*exists\.yaml": configmaps "exists" already exists/);
  });

  test('replacing an object with a stale resourceVersion is a 409 Conflict', async () => {
    // Given a ConfigMap, and a copy of it as it was
    const path = await files.write('settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {mode: one}\n');
    ok(await ts.kubectl(['create', '-f', path]), 'create');
    const stale = ok(await ts.kubectl(['get', 'configmap', 'settings', '-n', 'shop', '-o', 'yaml']), 'get -o yaml');
    assert.match(stale, /resourceVersion: "\d+"/);
    const stalePath = await files.write('settings-stale.yaml', stale.replace('mode: one', 'mode: two'));
    // and someone else changed it since
    ok(await ts.kubectl(['patch', 'configmap', 'settings', '-n', 'shop', '--type=merge', '-p', '{"data":{"mode":"three"}}']), 'patch');
    // When the stale copy is put back
    const replaced = await ts.kubectl(['replace', '-f', stalePath]);
    // Then kubectl reports the Conflict, and the other change stays
    assert.notEqual(replaced.code, 0);
    assert.match(replaced.stderr, /Error from server \(Conflict\): error when replacing ".*settings-stale\.yaml": Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again/);
    assert.equal(ok(await ts.kubectl(['get', 'configmap', 'settings', '-n', 'shop', '-o', 'jsonpath={.data.mode}']), 'get'), 'three');
    // and the same PUT over raw HTTPS is a 409 with reason Conflict
    const current = (await ts.api('eu-central', '/api/v1/namespaces/shop/configmaps/settings')) as { metadata: { resourceVersion: string } };
    const put = await rawRequest(ts, 'eu-central', {
      method: 'PUT',
      path: '/api/v1/namespaces/shop/configmaps/settings',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', resourceVersion: String(Number(current.metadata.resourceVersion) - 1) }, data: { mode: 'four' } },
    });
    assert.equal(put.status, 409);
    assert.deepEqual([(put.body as StatusBody).reason, (put.body as StatusBody).code], ['Conflict', 409]);
  });

  test('creating a pod named Bad_Name is 422 Invalid', async () => {
    // Given a pod manifest with a name that is not a DNS subdomain
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'registry.example/app:1.0.0' }] } };
    const path = await files.write('bad.yaml', JSON.stringify(pod));
    // When kubectl creates it
    const created = await ts.kubectl(['create', '-f', path]);
    // Then kubectl shows the server's Invalid message
    assert.notEqual(created.code, 0);
    assert.match(created.stderr, /The Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    // and the raw POST is a 422 Status with reason Invalid
    const post = await rawRequest(ts, 'eu-central', { method: 'POST', path: '/api/v1/namespaces/shop/pods', body: pod });
    assert.equal(post.status, 422);
    const body = post.body as StatusBody;
    assert.deepEqual([body.kind, body.reason, body.code], ['Status', 'Invalid', 422]);
    assert.match(body.message ?? '', /is invalid/);
    // and nothing was created
    assert.match((await ts.kubectl(['get', 'pod', 'Bad_Name', '-n', 'shop'])).stderr, /NotFound/);
  });
}
