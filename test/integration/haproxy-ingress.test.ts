// A real HAProxy (Debian package) as the global load balancer in front of the sandbox's two region
// ingresses: round-robin over both regions, and its health checks taking a failing region out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawRequest } from '../e2e/helpers.ts';
import { startHaproxy } from '../helpers/haproxy.ts';
import type { RunningHaproxy } from '../helpers/haproxy.ts';
import { httpRequest } from '../helpers/http.ts';
import { loadFleetFile } from '../../src/sandbox/fleet-load.ts';
import { allPodsReady, startTestSandbox } from '../support/sandbox.ts';
import type { TestSandbox } from '../support/sandbox.ts';

const DEMO = fileURLToPath(new URL('../../examples/fleets/demo.yaml', import.meta.url));

/** Sends `n` requests through the proxy, one after another on kept-alive connections; counts answers by region and status. */
async function through(haproxy: RunningHaproxy, agent: Agent, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const a = await httpRequest(`${haproxy.url}/shop?i=${i}`, { agent });
    const key = `${String(a.headers['x-daylight-region'] ?? 'none')} ${a.status}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

test('HAProxy round-robins over both regions\' ingresses, and its health checks take a failing region out', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-haproxy-'));
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let ts: TestSandbox | undefined;
  let haproxy: RunningHaproxy | undefined;
  try {
    // Given the demo fleet with every pod Ready, and HAProxy with one server per region's ingress
    ts = await startTestSandbox(await loadFleetFile(DEMO), { speed: 600 });
    const sandbox = ts;
    await sandbox.until('every pod is Ready', () => allPodsReady(sandbox.sandbox), 30_000);
    const servers = Object.fromEntries([...sandbox.sandbox.ingress].map(([name, s]) => [name, s.url]));
    assert.deepEqual(Object.keys(servers), ['eu-central', 'eu-west']);
    haproxy = await startHaproxy({ servers, dir });
    await haproxy.waitFor('UP');

    // When 50 requests go through HAProxy
    const seen = await through(haproxy, agent, 50);
    // Then both regions answered them, all with 200, about half each
    assert.deepEqual(Object.keys(seen).sort(), ['eu-central 200', 'eu-west 200'], JSON.stringify(seen));
    assert.ok((seen['eu-central 200'] ?? 0) >= 15 && (seen['eu-west 200'] ?? 0) >= 15, JSON.stringify(seen));

    // When eu-west's ingress starts failing every request, health checks included
    const put = await rawRequest(sandbox, 'eu-west', { method: 'PUT', path: '/sandbox/v1/faults', body: { ingress: { 'eu-west': { errorRate: 1 } } } });
    assert.equal(put.status, 200);
    // Then HAProxy's checks mark it DOWN and every request is served by eu-central
    await haproxy.waitFor('DOWN', ['eu-west']);
    assert.equal((await haproxy.servers())['eu-central']?.status, 'UP');
    assert.deepEqual(await through(haproxy, agent, 20), { 'eu-central 200': 20 });
  } finally {
    agent.destroy();
    await haproxy?.stop();
    await ts?.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
