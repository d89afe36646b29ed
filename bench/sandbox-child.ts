// A sandbox in its own process for benchmarks (`daylight sandbox up -o json`), as a user runs it, with
// small helpers to call its API with the token and CA from the kubeconfig it writes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';

export interface SandboxChild {
  readonly child: ChildProcess;
  readonly kubeconfig: string;
  readonly api: string;
  readonly token: string;
  readonly ca: string;
  readonly regions: readonly string[];
  /** Region → its plain-HTTP ingress, `http://127.0.0.1:<port>`. */
  readonly ingress: Readonly<Record<string, string>>;
  readonly startedAt: number;
}

export interface SandboxStatus {
  simulatedTime: string;
  allPodsReady: boolean;
  regions: Record<string, { pods: { total: number } }>;
}

export async function startSandboxChild(o: { fleet: string; speed: number; dir: string; nodeArgs?: readonly string[] }): Promise<SandboxChild> {
  const kubeconfig = join(o.dir, 'sandbox.kubeconfig');
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), 'src/cli/entry.ts', 'sandbox', 'up', '--fleet', o.fleet, '--port', '0', '--speed', String(o.speed), '--kubeconfig', kubeconfig, '-o', 'json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code}`)));
  });
  const endpoints = JSON.parse(line) as { regions: Record<string, { api: string; ingress: string }> };
  const config = await readFile(kubeconfig, 'utf8');
  const token = /token: (\S+)/.exec(config)?.[1] ?? '';
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(config)?.[1] ?? '', 'base64').toString('utf8');
  const ingress = Object.fromEntries(Object.entries(endpoints.regions).map(([name, r]) => [name, r.ingress]));
  return { child, kubeconfig, api: Object.values(endpoints.regions)[0]?.api ?? '', token, ca, regions: Object.keys(endpoints.regions), ingress, startedAt };
}

export function call(s: SandboxChild, method: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${s.token}` };
    if (payload) headers['content-type'] = 'application/merge-patch+json';
    const req = request(`${s.api}${path}`, { method, ca: s.ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function poll(s: SandboxChild, done: (st: SandboxStatus) => boolean, limitMs: number): Promise<SandboxStatus> {
  const end = Date.now() + limitMs;
  for (;;) {
    const st = (await call(s, 'GET', '/sandbox/v1/status')) as SandboxStatus;
    if (done(st) || Date.now() > end) return st;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Peak resident memory of the sandbox process so far, from /proc. */
export async function peakRss(s: SandboxChild): Promise<number> {
  const status = await readFile(`/proc/${s.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
