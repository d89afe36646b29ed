// `daylight sandbox up --endpoints OUT.json` as a script meets it: the file appears once everything
// listens, with exactly the promised shape, and every URL in it answers; SIGTERM closes them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequest } from '../helpers/http.ts';

const BIN = fileURLToPath(new URL('../../bin/daylight.js', import.meta.url));

interface EndpointsFile {
  regions: Record<string, { api: string; ingress: string; metrics: string }>;
}

/** GET over HTTPS with the CA and bearer token a kubeconfig carries. */
function apiGet(url: string, kubeconfig: string): Promise<{ status: number; body: string }> {
  const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? '';
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(kubeconfig)?.[1] ?? '', 'base64').toString('utf8');
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

test('sandbox up --endpoints writes every region\'s api, ingress and metrics URL, and each answers', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-cli-'));
  const kubeconfigPath = join(dir, 'kube.yaml');
  const endpointsPath = join(dir, 'endpoints.json');
  // Given `sandbox up` on the demo fleet with --endpoints
  const child = spawn(process.execPath, [BIN, 'sandbox', 'up', '--port', '0', '--speed', '600', '--kubeconfig', kubeconfigPath, '--endpoints', endpointsPath, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
    });
    // When it prints its line, the endpoints file is already there, with exactly the promised shape
    const file = JSON.parse(await readFile(endpointsPath, 'utf8')) as EndpointsFile;
    assert.deepEqual(Object.keys(file), ['regions']);
    assert.deepEqual(Object.keys(file.regions), ['eu-central', 'eu-west']);
    for (const [name, r] of Object.entries(file.regions)) {
      assert.deepEqual(Object.keys(r).sort(), ['api', 'ingress', 'metrics'], name);
      assert.match(r.api, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(r.ingress, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(r.metrics, `${r.api}/metrics`);
    }
    const ports = Object.values(file.regions).flatMap((r) => [new URL(r.api).port, new URL(r.ingress).port]);
    assert.equal(new Set(ports).size, 4, `four distinct ports: ${ports.join(', ')}`);
    // And the -o json line carries the same ingress URLs
    const printed = JSON.parse(line) as EndpointsFile;
    for (const name of Object.keys(file.regions)) assert.equal(printed.regions[name]?.ingress, file.regions[name]?.ingress);

    // Then each ingress answers 200 from its region once its pods are Ready
    const kubeconfig = await readFile(kubeconfigPath, 'utf8');
    for (const [name, r] of Object.entries(file.regions)) {
      const answer = await until(`${name}'s ingress answers 200`, async () => {
        const a = await httpRequest(`${r.ingress}/`);
        return a.status === 200 ? a : undefined;
      }, 20_000);
      assert.equal(answer.headers['x-daylight-region'], name);
      // And the API answers with the kubeconfig's token, and its metrics count that answer
      const version = await apiGet(`${r.api}/version`, kubeconfig);
      assert.equal(version.status, 200, version.body);
      const metrics = await apiGet(r.metrics, kubeconfig);
      assert.equal(metrics.status, 200);
      const served = new RegExp(`^daylight_sandbox_ingress_requests_total\\{region="${name}",code="200"\\} (\\d+)$`, 'm').exec(metrics.body);
      assert.ok(served && Number(served[1]) >= 1, `the 200 is counted in ${name}'s metrics`);
    }

    // When the sandbox gets SIGTERM, it exits 0 and nothing listens on the ingress ports any more
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    for (const r of Object.values(file.regions)) {
      await assert.rejects(httpRequest(`${r.ingress}/`), /ECONNREFUSED/, `${r.ingress} is closed`);
    }
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('sandbox up refuses an ingress port range that overlaps the API ports, and --help describes the ingress', () => {
  const r = spawnSync(process.execPath, [BIN, 'sandbox', 'up', '--port', '7400', '--ingress-port', '7401'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--ingress-port 7401 overlaps the API ports 7400-7401 of the 2 region\(s\); pick a port outside that range/);
  const help = spawnSync(process.execPath, [BIN, 'sandbox', '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--endpoints OUT\.json/);
  assert.match(help.stdout, /--ingress-port N/);
  assert.match(help.stdout, /PUT \/sandbox\/v1\/faults/);
});
