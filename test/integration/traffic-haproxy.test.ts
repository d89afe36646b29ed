// The HAProxy traffic adapter against a real HAProxy 2.6 (Debian package) fronting two Node regions: drains,
// shares, cuts and put-backs judged by which region answers each request, not by what the adapter says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/lib/clock.ts';
import { HaproxyTraffic, type HaproxyTrafficOptions } from '../../src/traffic/haproxy.ts';
import { TrafficError } from '../../src/traffic/types.ts';
import { startHaproxyLab, type Answer, type HaproxyLab, type HaproxyLabOptions } from '../helpers/haproxy-lab.ts';

const SERVERS = { 'eu-central': 'eu-central', 'eu-west': 'eu-west' };

async function withLab(fn: (lab: HaproxyLab) => Promise<void>, o: HaproxyLabOptions = {}): Promise<void> {
  const lab = await startHaproxyLab(o);
  try {
    await fn(lab);
  } finally {
    await lab.stop();
  }
}

function traffic(lab: HaproxyLab, o: Partial<HaproxyTrafficOptions> = {}): HaproxyTraffic {
  return new HaproxyTraffic({ runtimeApi: lab.unixApi, backend: lab.backend, servers: SERVERS, ...o });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await systemClock.sleep(10);
  }
}

const failed = (answers: readonly Answer[]): Answer[] => answers.filter((a) => a.error !== undefined || a.status !== 200);
const from = (answers: readonly Answer[], region: string): Answer[] => answers.filter((a) => a.region === region);

/** `n` requests, `concurrency` at a time; the share of them each region answered. */
async function split(lab: HaproxyLab, n: number, concurrency = 4): Promise<{ west: number; failures: number }> {
  const answers: Answer[] = [];
  const loop = async (): Promise<void> => {
    while (answers.length < n) answers.push(await lab.get('/'));
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { west: from(answers, 'eu-west').length / answers.length, failures: failed(answers).length };
}

test('snapshot shows both regions ready at their initial weights, over the unix socket and over TCP', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    // Given HAProxy with two regions that have answered 10 requests
    for (let i = 0; i < 10; i++) assert.equal((await lab.get('/')).status, 200);
    for (const api of [lab.unixApi, lab.tcpApi]) {
      // When the adapter reads the data plane through either runtime API
      const t = traffic(lab, { runtimeApi: api });
      const snap = await t.snapshot();
      // Then both regions are ready at weight 100 of 100, with their counters
      assert.deepEqual(Object.keys(snap.regions), ['eu-central', 'eu-west']);
      for (const region of ['eu-central', 'eu-west']) {
        const r = snap.regions[region];
        assert.ok(r, region);
        assert.equal(r.state, 'ready', `${region} via ${api}`);
        assert.equal(r.weight, 100);
        assert.equal(r.initialWeight, 100);
        assert.equal(r.health, 'UP');
        assert.equal(r.sessions, 0);
        assert.equal(r.requests?.errors, 0);
      }
      assert.equal((snap.regions['eu-central']?.requests?.total ?? 0) + (snap.regions['eu-west']?.requests?.total ?? 0), 10);
      assert.ok(Math.abs(snap.at - Date.now()) < 5_000);
      await t.close();
    }
  });
});

test('drain under a steady stream: returns once new requests all go to the other region, with none failed', { timeout: 60_000 }, async (t) => {
  await withLab(async (lab) => {
    // Given a steady stream of keep-alive requests over both regions
    const load = lab.load({ concurrency: 8 });
    await until('both regions to answer', () => from(load.answers, 'eu-west').length > 20 && from(load.answers, 'eu-central').length > 20);
    // When eu-west is drained
    const called = performance.now();
    const result = await traffic(lab).drain('eu-west', { timeoutMs: 10_000 });
    const returned = performance.now();
    const stoppedAt = load.answers.length;
    await until('more requests after the drain', () => load.answers.length > stoppedAt + 300);
    const answers = await load.stop();
    // Then every request sent after drain() returned was answered by eu-central, and none failed
    const after = answers.filter((a) => a.startedAt > returned);
    assert.ok(after.length > 300, `${after.length} requests after the drain`);
    assert.deepEqual(new Set(after.map((a) => a.region)), new Set(['eu-central']));
    assert.deepEqual(failed(answers), [], 'no request failed');
    assert.equal(result.sessionsShut, 0);
    assert.ok(result.newTrafficStoppedMs < 1_000, `new traffic stopped after ${result.newTrafficStoppedMs} ms`);
    assert.ok(result.sessionsGoneMs >= result.newTrafficStoppedMs);
    // and the data plane agrees: eu-west is drained and has no session left
    const west = await lab.stat('eu-west');
    assert.equal(west.status, 'DRAIN');
    assert.equal(west.scur, 0);
    const lastWest = Math.max(...from(answers, 'eu-west').map((a) => a.startedAt));
    t.diagnostic(`drain under ${answers.length} requests: drain() took ${(returned - called).toFixed(0)} ms, ` +
      `newTrafficStoppedMs ${result.newTrafficStoppedMs}, sessionsGoneMs ${result.sessionsGoneMs}; ` +
      `last request eu-west answered started ${(lastWest - called).toFixed(1)} ms after the call`);
  });
});

test('a held session keeps the drain waiting until it finishes', { timeout: 30_000 }, async (t) => {
  await withLab(async (lab) => {
    // Given a 1.5 s request held open on each region (round robin sends one to each)
    const slow = [lab.get('/slow?ms=1500'), lab.get('/slow?ms=1500')];
    await until('a held request on eu-west', () => lab.inflight('eu-west') === 1 && lab.inflight('eu-central') === 1);
    // When eu-west is drained with room to wait
    const called = performance.now();
    const result = await traffic(lab).drain('eu-west', { timeoutMs: 10_000 });
    const returned = performance.now();
    // Then the drain returned only after the held request was answered, and shut nothing
    const answers = await Promise.all(slow);
    const west = from(answers, 'eu-west')[0];
    assert.equal(west?.status, 200, 'the held request on eu-west finished normally');
    assert.ok(west.endedAt <= returned + 50, `drain returned ${(returned - west.endedAt).toFixed(0)} ms after the held request ended`);
    assert.equal(result.sessionsShut, 0);
    assert.ok(result.sessionsGoneMs >= 1_000, `sessions gone after ${result.sessionsGoneMs} ms`);
    assert.ok(result.newTrafficStoppedMs < 1_000);
    t.diagnostic(`held 1.5 s session: drain() took ${(returned - called).toFixed(0)} ms, sessionsGoneMs ${result.sessionsGoneMs}, ` +
      `returned ${(returned - west.endedAt).toFixed(0)} ms after the session ended`);
  });
});

test('with a short timeout the held session is shut and the drain returns around the timeout', { timeout: 30_000 }, async (t) => {
  await withLab(async (lab) => {
    // Given a 20 s request held open on each region
    const slow = [lab.get('/slow?ms=20000'), lab.get('/slow?ms=20000')];
    await until('a held request on eu-west', () => lab.inflight('eu-west') === 1 && lab.inflight('eu-central') === 1);
    // When eu-west is drained with an 800 ms timeout
    const called = performance.now();
    const result = await traffic(lab).drain('eu-west', { timeoutMs: 800 });
    const took = performance.now() - called;
    // Then its session was shut at the timeout, and the held request on eu-west ended without an answer
    assert.ok(result.sessionsShut >= 1, `sessionsShut ${result.sessionsShut}`);
    assert.ok(took >= 800 && took < 2_000, `drain took ${took.toFixed(0)} ms`);
    assert.ok(result.sessionsGoneMs >= 800 && result.sessionsGoneMs < 2_000);
    assert.equal((await lab.stat('eu-west')).scur, 0);
    assert.equal((await lab.stat('eu-central')).scur, 1, 'the other region keeps its session');
    const westHeld = await Promise.race(slow);
    assert.ok(westHeld.error !== undefined || westHeld.status !== 200, `the shut request got ${JSON.stringify(westHeld)}`);
    await until('eu-west to see its request closed', () => lab.inflight('eu-west') === 0);
    t.diagnostic(`800 ms timeout: drain() took ${took.toFixed(0)} ms, sessionsShut ${result.sessionsShut}, sessionsGoneMs ${result.sessionsGoneMs}`);
  });
});

test('a drain waiting on sessions stops when its signal aborts', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    // Given held requests and a drain that would wait 20 s for them
    const slow = [lab.get('/slow?ms=1500'), lab.get('/slow?ms=1500')];
    await until('a held request on eu-west', () => lab.inflight('eu-west') === 1);
    const ac = new AbortController();
    const started = performance.now();
    const drain = traffic(lab).drain('eu-west', { timeoutMs: 20_000, signal: ac.signal });
    // When the caller aborts
    setTimeout(() => ac.abort(), 300);
    // Then drain rejects with an AbortError at once, leaving the region drained and the session open
    await assert.rejects(drain, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    assert.ok(performance.now() - started < 1_000);
    const west = await lab.stat('eu-west');
    assert.equal(west.status, 'DRAIN');
    assert.equal(west.scur, 1);
    await Promise.all(slow);
  });
});

test('the last region in service is never drained, cut or set to 0%', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    // Given eu-west drained
    const t = traffic(lab);
    await t.drain('eu-west', { timeoutMs: 2_000 });
    // When eu-central, the last region in service, is to leave traffic, Then each is refused
    const refused = (verb: string) => (e: unknown) =>
      e instanceof TrafficError && e.message.includes(`refusing to ${verb} region eu-central`) && e.message.includes('eu-west: status DRAIN') &&
      e.message.includes('bring another region back first');
    await assert.rejects(t.drain('eu-central', { timeoutMs: 1_000 }), refused('drain'));
    await assert.rejects(t.cut('eu-central'), refused('cut'));
    await assert.rejects(t.setShare('eu-central', 0), refused('set to 0% of its weight'));
    // and the data plane still sends it everything
    const central = await lab.stat('eu-central');
    assert.equal(central.status, 'UP');
    assert.deepEqual(await lab.getWeight('eu-central'), { current: 100, initial: 100 });
    const { west, failures } = await split(lab, 50);
    assert.equal(west, 0);
    assert.equal(failures, 0);
  });
});

test('setShare 10, 50, 100 over TCP: the weight follows, and at 100 the split is even', { timeout: 60_000 }, async (t) => {
  await withLab(async (lab) => {
    // Given eu-west drained, through the TCP runtime API
    const haproxy = traffic(lab, { runtimeApi: lab.tcpApi });
    await haproxy.drain('eu-west', { timeoutMs: 2_000 });
    const expected = { 10: 10 / 110, 50: 50 / 150, 100: 0.5 };
    const seen: string[] = [];
    for (const percent of [10, 50, 100] as const) {
      // When it is given a share of its initial weight
      await haproxy.setShare('eu-west', percent);
      // Then HAProxy reports that weight, the server takes new traffic, and the split follows the weights
      assert.deepEqual(await lab.getWeight('eu-west'), { current: percent, initial: 100 });
      assert.equal((await lab.stat('eu-west')).status, 'UP');
      const { west, failures } = await split(lab, 440);
      assert.equal(failures, 0);
      assert.ok(Math.abs(west - expected[percent]) < 0.05, `at ${percent}% eu-west answered ${(west * 100).toFixed(1)}%`);
      seen.push(`${percent}% -> ${(west * 100).toFixed(1)}%`);
    }
    const snap = await haproxy.snapshot();
    assert.equal(snap.regions['eu-west']?.state, 'ready');
    assert.equal(snap.regions['eu-west']?.weight, 100);
    t.diagnostic(`eu-west share of new requests: ${seen.join(', ')}`);
    // and a share of 0 keeps it ready at weight 0, taking nothing
    await haproxy.setShare('eu-west', 0);
    assert.deepEqual(await lab.getWeight('eu-west'), { current: 0, initial: 100 });
    assert.equal((await haproxy.snapshot()).regions['eu-west']?.state, 'ready');
    assert.equal((await split(lab, 40)).west, 0);
    await assert.rejects(haproxy.setShare('eu-west', 12.5), /use an integer from 0 to 100/);
  });
});

test('cut takes a region to weight 0 at once: new requests stop reaching it within one poll', { timeout: 60_000 }, async (t) => {
  await withLab(async (lab) => {
    // Given a steady stream over both regions, and a sampler reading show stat every few ms
    const load = lab.load({ concurrency: 8 });
    await until('both regions to answer', () => from(load.answers, 'eu-west').length > 20 && from(load.answers, 'eu-central').length > 20);
    const samples: { at: number; status: string; weight?: number; lbtot?: number }[] = [];
    const sampling = { on: true };
    const sampler = (async () => {
      while (sampling.on) {
        const w = await lab.stat('eu-west');
        samples.push({ at: performance.now(), status: w.status, weight: w.weight, lbtot: w.lbtot });
        await systemClock.sleep(2);
      }
    })();
    await until('a few samples', () => samples.length > 5);
    // When eu-west is cut
    const called = performance.now();
    await traffic(lab).cut('eu-west');
    const returned = performance.now();
    const mark = load.answers.length;
    await until('more requests after the cut', () => load.answers.length > mark + 300);
    sampling.on = false;
    await sampler;
    const answers = await load.stop();
    // Then HAProxy showed it drained at weight 0 well under a second after the call
    const shown = samples.find((s) => s.at > called && s.status === 'DRAIN' && s.weight === 0);
    assert.ok(shown, 'a sample shows eu-west drained at weight 0');
    const shownMs = shown.at - called;
    assert.ok(shownMs < 1_000, `shown after ${shownMs.toFixed(1)} ms`);
    const lbtotFinal = samples.at(-1)?.lbtot;
    const steady = samples.find((s) => s.at > called && s.lbtot === lbtotFinal);
    // and the last request eu-west answered had started within one poll of the call; none after cut() returned
    const lastWest = Math.max(...from(answers, 'eu-west').map((a) => a.startedAt));
    // one poll (100 ms) plus slack for a shared 2-core machine; cut() reads the backend once before its write
    assert.ok(lastWest - called < 250, `eu-west took a request ${(lastWest - called).toFixed(1)} ms after the call`);
    assert.deepEqual(from(answers.filter((a) => a.startedAt > returned), 'eu-west'), []);
    assert.deepEqual(failed(answers), [], 'no request failed');
    assert.deepEqual(await lab.getWeight('eu-west'), { current: 0, initial: 100 });
    t.diagnostic(`cut(): returned after ${(returned - called).toFixed(1)} ms; first sample showing DRAIN/weight 0 at ${shownMs.toFixed(1)} ms; ` +
      `lbtot final from ${steady ? (steady.at - called).toFixed(1) : '?'} ms; last eu-west request started ${(lastWest - called).toFixed(1)} ms after the call`);
  });
});

test('putBack restores what a snapshot saw: ready at its weight after a drain, or drained', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    // Given eu-west at 30% and a snapshot taken then
    const haproxy = traffic(lab);
    await haproxy.setShare('eu-west', 30);
    const before = await haproxy.snapshot();
    // When it is drained and then put back as the snapshot saw it
    await haproxy.drain('eu-west', { timeoutMs: 2_000 });
    const drained = await haproxy.snapshot();
    assert.equal(drained.regions['eu-west']?.state, 'drain');
    const was = before.regions['eu-west'];
    assert.ok(was);
    await haproxy.putBack('eu-west', was);
    // Then weight and state are as before, and it takes new requests again
    const after = (await haproxy.snapshot()).regions['eu-west'];
    assert.deepEqual([after?.weight, after?.initialWeight, after?.state], [30, 100, 'ready']);
    assert.deepEqual(await lab.getWeight('eu-west'), { current: 30, initial: 100 });
    assert.ok((await split(lab, 130)).west > 0.1);
    // and putting back the drained snapshot drains it again
    const drainedWest = drained.regions['eu-west'];
    assert.ok(drainedWest);
    await haproxy.putBack('eu-west', drainedWest);
    assert.equal((await lab.stat('eu-west')).status, 'DRAIN');
    assert.equal((await split(lab, 40)).west, 0);
    // and maintenance is a state it can restore too
    await haproxy.putBack('eu-west', { ...drainedWest, state: 'maint', weight: 7 });
    assert.equal((await lab.stat('eu-west')).status, 'MAINT');
    assert.deepEqual(await lab.getWeight('eu-west'), { current: 7, initial: 100 });
  });
});

test('an unknown server, an unknown backend and an unreachable socket give TrafficErrors that say what to fix', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    // Given a plan naming a server the backend lacks, Then the error lists the servers it has
    const wrongServer = traffic(lab, { servers: { 'eu-central': 'eu-central', 'eu-north': 'eu-north' } });
    await assert.rejects(wrongServer.snapshot(), (e: unknown) =>
      e instanceof TrafficError && /HAProxy backend global has no server eu-north \(region eu-north\); its servers are eu-central, eu-west/.test(e.message));
    await assert.rejects(wrongServer.drain('eu-north', { timeoutMs: 1_000 }), /has no server eu-north/);
    await assert.rejects(wrongServer.cut('eu-south'), /region eu-south has no HAProxy server; the regions are eu-central, eu-north/);
    // Given a backend that does not exist, Then the error lists the backends
    await assert.rejects(traffic(lab, { backend: 'nope' }).snapshot(), (e: unknown) =>
      e instanceof TrafficError && /has no backend nope \(its backends: global\)/.test(e.message));
    // Given a socket path where nothing listens
    const missing = `unix://${lab.dir}/missing.sock`;
    await assert.rejects(traffic(lab, { runtimeApi: missing }).snapshot(), (e: unknown) =>
      e instanceof TrafficError && e.message.startsWith(`cannot reach HAProxy's runtime API at ${missing}: `) && /ENOENT/.test(e.message) &&
      e.message.includes(`check \`stats socket ${lab.dir}/missing.sock level admin\` in haproxy.cfg`) && e.cause instanceof Error);
    // and a TCP port where nothing listens
    const closed = 'tcp://127.0.0.1:1';
    await assert.rejects(traffic(lab, { runtimeApi: closed }).drain('eu-west', { timeoutMs: 1_000 }), (e: unknown) =>
      e instanceof TrafficError && e.message.startsWith(`cannot reach HAProxy's runtime API at ${closed}: `) && /ECONNREFUSED/.test(e.message) &&
      e.message.includes('check `stats socket ipv4@127.0.0.1:1 level admin` in haproxy.cfg'));
    // and HAProxy's own refusal of a write is passed on with its text
    await assert.rejects(lab.runtime.write(['set server global/eu-north state drain']), /refused `set server global\/eu-north state drain`: No such server\./);
  });
});

test('a backend with a static algorithm refuses canary shares, and the error says which balance to use', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    // Given a backend balanced with static-rr, where HAProxy only takes 0% and 100%
    const haproxy = traffic(lab);
    // When a region is given 10%, Then HAProxy's refusal comes back with the fix
    await assert.rejects(haproxy.setShare('eu-west', 10), (e: unknown) =>
      e instanceof TrafficError && /static LB algorithm/.test(e.message) && e.message.includes('`balance roundrobin`'));
    // and the weights the algorithm takes still work: cut to 0, then back to 100%
    await haproxy.cut('eu-west');
    assert.equal((await split(lab, 20)).west, 0);
    await haproxy.setShare('eu-west', 100);
    assert.deepEqual(await lab.getWeight('eu-west'), { current: 100, initial: 100 });
  }, { balance: 'static-rr' });
});

test('a share that HAProxy would round to weight 0 is refused with the fix, and the region keeps its weight', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    // Given servers at HAProxy's default weight 1
    const haproxy = traffic(lab);
    // When a region is given 10% (weight 0.1, rounded down to 0)
    await assert.rejects(haproxy.setShare('eu-west', 10), (e: unknown) =>
      e instanceof TrafficError && /10% of region eu-west's initial weight 1 is weight 0 in HAProxy/.test(e.message) && /weight of 100 or more in haproxy\.cfg/.test(e.message));
    // Then nothing changed: it still takes its share
    assert.deepEqual(await lab.getWeight('eu-west'), { current: 1, initial: 1 });
    // and a whole share is still possible
    await haproxy.setShare('eu-west', 100);
  }, { weight: 1 });
});

test('a closed adapter refuses further calls', { timeout: 30_000 }, async () => {
  await withLab(async (lab) => {
    const haproxy = traffic(lab);
    await haproxy.snapshot();
    await haproxy.close();
    await assert.rejects(haproxy.snapshot(), /adapter is closed/);
  });
});
