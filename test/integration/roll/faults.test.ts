// The full roll under a hostile API: 5% of requests failing with 20 ms of latency, and other writers
// labelling and annotating the nodes while the run cordons them, so resourceVersions move under the
// engine's read-decide-patch; every invariant of a clean roll still holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import type { TestSandbox } from '../../support/sandbox.ts';
import { assertCleanRoll, nodes, REGION, roll, rollFleet, rollPlan, upFleet, workers } from './fixtures.ts';

const SPEED = 300;
const TEST = { timeout: 60_000 };

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** One request to the region's API as another client would make it, over its own keep-alive connections. */
function apiRequest(ts: TestSandbox, agent: Agent, o: { method: string; path: string; body?: unknown; contentType?: string }): Promise<Reply> {
  const server = ts.sandbox.servers.get(REGION);
  if (!server) throw new Error(`no region ${REGION}`);
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  const headers: Record<string, string> = { authorization: `Bearer ${ts.sandbox.token}`, accept: 'application/json' };
  if (payload !== undefined) headers['content-type'] = o.contentType ?? 'application/json';
  return new Promise<Reply>((resolve, reject) => {
    const req = request(`${server.url}${o.path}`, { method: o.method, ca: ts.sandbox.tls.caPem, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** How many of `n` GETs on the node list the API fails, and the slowest answer: the fault as any client meets it. */
async function failuresOf(ts: TestSandbox, n: number): Promise<{ failed: number; slowestMs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 10 });
  let failed = 0;
  let slowestMs = 0;
  try {
    for (let i = 0; i < n; i += 10) {
      await Promise.all(Array.from({ length: 10 }, async () => {
        const started = Date.now();
        const r = await apiRequest(ts, agent, { method: 'GET', path: '/api/v1/nodes' });
        slowestMs = Math.max(slowestMs, Date.now() - started);
        if (r.status >= 500) failed++;
      }));
    }
  } finally {
    agent.destroy();
  }
  return { failed, slowestMs };
}

interface Writers {
  /** Writes that changed a node (and so its resourceVersion). */
  readonly writes: () => number;
  /** Read-modify-write rounds that lost the race to another writer: resourceVersions did move under readers. */
  readonly conflicts: () => number;
  stop(): Promise<void>;
}

/**
 * Other clients of the cluster at work during the run: merge patches of an annotation on every worker in
 * turn, a read-modify-PUT of a label guarded by the resourceVersion read, and `kubectl label` by hand.
 */
function startWriters(ts: TestSandbox, names: readonly string[]): Writers {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let running = true;
  let writes = 0;
  let conflicts = 0;
  const node = (i: number) => names[i % names.length] as string;
  const annotate = async (offset: number) => {
    for (let i = offset; running; i++) {
      const r = await apiRequest(ts, agent, { method: 'PATCH', path: `/api/v1/nodes/${node(i)}`, body: { metadata: { annotations: { 'chaos.example/tick': String(i) } } }, contentType: 'application/merge-patch+json' });
      if (r.status === 200) writes++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const relabel = async () => {
    for (let i = 0; running; i++) {
      const read = await apiRequest(ts, agent, { method: 'GET', path: `/api/v1/nodes/${node(i)}` });
      if (read.status !== 200 || typeof read.body !== 'object' || read.body === null) continue;
      const n = read.body as { metadata: { labels?: Record<string, string> } };
      const body = { ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, 'chaos.example/flip': String(i % 2) } } };
      await new Promise((resolve) => setTimeout(resolve, 3));
      const put = await apiRequest(ts, agent, { method: 'PUT', path: `/api/v1/nodes/${node(i)}`, body });
      if (put.status === 200) writes++;
      if (put.status === 409) conflicts++;
    }
  };
  const byHand = async () => {
    for (let i = 0; running; i++) {
      const r = await ts.kubectl(['label', 'node', node(i), `chaos.example/round=${i}`, '--overwrite']);
      if (r.code === 0) writes++;
    }
  };
  // A writer that meets an error (the sandbox stopping under it) just ends; it never fails the test by itself.
  const loops = [annotate(0), annotate(Math.floor(names.length / 2)), relabel(), byHand()].map((l) => l.catch(() => undefined));
  return {
    writes: () => writes,
    conflicts: () => conflicts,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

test('a full roll through an API that fails 5% of requests and answers in 20 ms keeps every invariant', TEST, async () => {
  // Given the 12-worker fleet whose API server fails 5% of requests and delays each by 20 ms
  const ts = await upFleet(rollFleet({ faults: '{api: {errorRate: 0.05, latencyMs: 20}}' }), SPEED);
  try {
    const all = await workers(ts);
    const probe = await failuresOf(ts, 200);
    assert.ok(probe.failed > 0 && probe.failed < 40 && probe.slowestMs >= 20, `a probe of 200 GETs saw ${probe.failed} failures, the slowest answer took ${probe.slowestMs} ms`);
    // When the plan with maxUnavailable 25% runs
    const r = await roll(ts, rollPlan({ maxUnavailable: '25%' }));
    // Then it succeeds as a clean roll: every worker rebooted once, budgets held, none left cordoned
    await assertCleanRoll(ts, r, { workers: all, maxUnavailable: 3 });
  } finally {
    await ts.stop();
  }
});

test('a full roll while other clients label and annotate the nodes it cordons keeps every invariant', TEST, async () => {
  // Given the 12-worker fleet and other clients (two annotators, a read-modify-PUT labeller, kubectl label) writing to every worker
  const ts = await upFleet(rollFleet(), SPEED);
  const all = await workers(ts);
  const writers = startWriters(ts, all);
  try {
    // When the plan with maxUnavailable 2 runs among them
    const r = await roll(ts, rollPlan({ maxUnavailable: 2 }));
    const before = writers.writes();
    await writers.stop();
    // Then it succeeds as a clean roll: every worker rebooted once (none twice), budgets held, none left cordoned
    await assertCleanRoll(ts, r, { workers: all, maxUnavailable: 2 });
    // And the other clients really were at work: many writes during the run, and read-modify-writes lost races
    assert.ok(before > 300, `the other clients wrote ${before} times during the run`);
    assert.ok(writers.conflicts() > 0, 'resourceVersions moved between a read and a write');
    // And their writes survive the run's cordons and uncordons, while Daylight's own annotation is gone
    for (const n of await nodes(ts)) {
      if (!all.includes(n.metadata.name)) continue;
      assert.ok(n.metadata.annotations?.['chaos.example/tick'] !== undefined, `${n.metadata.name} keeps the other client's annotation`);
      assert.equal(n.metadata.annotations?.['daylight.dev/cordoned-by'], undefined);
    }
  } finally {
    await writers.stop();
    await ts.stop();
  }
});
