// Waiting for a component's health endpoint (etcd's /health, kube-apiserver's /readyz) to answer 200,
// polling with bounded, jittered backoff and failing at once when the process has died.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { backoffDelay } from '../../lib/backoff.ts';
import { systemClock } from '../../lib/clock.ts';
import type { ComponentProcess } from './component-process.ts';
import { logTail } from './component-process.ts';

export interface ProbeTarget {
  readonly url: string;
  /** CA for an https URL. */
  readonly caPem?: string;
  readonly token?: string;
}

export interface Probe {
  readonly status: number;
  readonly body: string;
}

const POLL = { baseMs: 100, capMs: 2000 };

export async function waitReady(component: ComponentProcess, target: ProbeTarget, timeoutMs: number, signal?: AbortSignal): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (let attempt = 0; ; attempt++) {
    await component.assertRunning();
    try {
      const probe = await get(target);
      if (probe.status === 200) return probe;
      last = `${probe.status} ${probe.body.trim().split('\n').slice(-5).join(' | ')}`;
    } catch (e: unknown) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${component.name} was not ready at ${target.url} after ${Math.round(timeoutMs / 1000)} s (last: ${last}); the end of ${component.logPath}:\n${await logTail(component.logPath)}`);
    }
    await systemClock.sleep(Math.min(backoffDelay(POLL, attempt), Math.max(0, deadline - Date.now())), signal);
  }
}

export function get(target: ProbeTarget): Promise<Probe> {
  const url = new URL(target.url);
  const headers = target.token ? { authorization: `Bearer ${target.token}` } : {};
  return new Promise((resolve, reject) => {
    const options = { method: 'GET', headers, timeout: 5000, ...(url.protocol === 'https:' ? { ca: target.caPem } : {}) };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.url} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}
