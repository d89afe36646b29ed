// `npm run lab:smoke`: starts the upstream etcd and kube-apiserver built by `npm run lab:build` (building
// them first if they are missing), asks `kubectl get --raw /readyz`, creates, evicts and deletes a pod,
// checks both reached the audit log with the admin's name, and stops everything.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startControlPlane } from '../src/sandbox/kubernetes/control-plane.ts';
import type { ControlPlane } from '../src/sandbox/kubernetes/control-plane.ts';
import { buildUpstream, formatDuration } from '../src/sandbox/kubernetes/upstream-build.ts';

const run = promisify(execFile);
const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const say = (line: string): void => console.log(`lab:smoke ${line}`);

const build = await buildUpstream({ cacheRoot, only: ['etcd', 'kube-apiserver'], log: say });
const dir = await mkdtemp(join(tmpdir(), 'daylight-lab-'));
const started = performance.now();
const plane = await startControlPlane({ region: 'lab', dir, binaries: build.binaries });
say(`etcd and kube-apiserver ${build.version} ready at ${plane.url} in ${formatDuration(performance.now() - started)} (run dir ${dir})`);
let failed = true;
try {
  await check(plane);
  failed = false;
} finally {
  await plane.stop();
  say('stopped');
  if (failed) say(`logs kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}

async function check(plane: ControlPlane): Promise<void> {
  const kubectl = async (...args: string[]): Promise<string> => (await run('kubectl', ['--kubeconfig', plane.kubeconfigPath, ...args])).stdout;
  const readyz = (await kubectl('get', '--raw', '/readyz')).trim();
  if (readyz !== 'ok') throw new Error(`/readyz answered ${JSON.stringify(readyz)}, not "ok"`);
  say(`kubectl get --raw /readyz: ${readyz}`);
  say(`server version: ${JSON.parse(await kubectl('get', '--raw', '/version')).gitVersion}`);
  // No controller manager yet, so the default ServiceAccount that pod admission asks for is made here.
  await kubectl('create', 'serviceaccount', 'default', '--namespace', 'default');
  for (const name of ['evicted', 'deleted']) await kubectl('run', name, '--image', 'registry.k8s.io/pause:3.10', '--restart', 'Never');
  const eviction = join(plane.dir, 'eviction.json');
  await writeFile(eviction, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evicted', namespace: 'default' } }));
  await kubectl('create', '--raw', '/api/v1/namespaces/default/pods/evicted/eviction', '-f', eviction);
  await kubectl('delete', 'pod', 'deleted', '--wait=false');
  const events = (await readFile(plane.auditLogPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
  const seen = (verb: string, subresource: string | undefined, name: string): AuditEvent | undefined =>
    events.find((e) => e.stage === 'ResponseComplete' && e.verb === verb && e.objectRef?.subresource === subresource && e.objectRef?.name === name);
  const evicted = seen('create', 'eviction', 'evicted');
  const deleted = seen('delete', undefined, 'deleted');
  if (!evicted || !deleted) throw new Error(`audit log ${plane.auditLogPath} lacks the eviction or the delete:\n${events.map((e) => JSON.stringify(e)).join('\n')}`);
  say(`audit: eviction of default/evicted by ${evicted.user.username} answered ${evicted.responseStatus?.code}`);
  say(`audit: delete of default/deleted by ${deleted.user.username} answered ${deleted.responseStatus?.code}`);
}

interface AuditEvent {
  readonly stage: string;
  readonly verb: string;
  readonly user: { readonly username: string };
  readonly objectRef?: { readonly name?: string; readonly subresource?: string };
  readonly responseStatus?: { readonly code?: number };
}
