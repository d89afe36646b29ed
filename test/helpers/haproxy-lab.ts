// A small HAProxy lab for tests: Node HTTP servers on 127.0.0.1 play the regions, a real HAProxy (Debian
// package) fronts them with its runtime API on a unix socket and on TCP, and a keep-alive request stream
// records which region answered each request.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { backoffDelay } from '../../src/lib/backoff.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { errorMessage } from '../../src/lib/errors.ts';
import { HaproxyRuntime } from '../../src/traffic/haproxy-runtime.ts';
import { parseShowStat, parseWeight, type ServerWeight, type StatRow } from '../../src/traffic/haproxy-stat.ts';

export const HAPROXY_BIN = '/usr/sbin/haproxy';

/** One request through the frontend: when it started and ended (performance.now()), and who answered. */
export interface Answer {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status?: number;
  /** The `x-region` header of the answer. */
  readonly region?: string;
  readonly error?: string;
}

export interface LoadRun {
  /** Answers so far (the array grows while the load runs). */
  readonly answers: readonly Answer[];
  /** Stops the loops and returns every answer once the requests in flight have ended. */
  stop(): Promise<Answer[]>;
}

export interface HaproxyLab {
  readonly dir: string;
  /** `unix:///…/admin.sock` */
  readonly unixApi: string;
  /** `tcp://127.0.0.1:<port>` */
  readonly tcpApi: string;
  /** The frontend, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly backend: string;
  readonly regions: readonly string[];
  /** The runtime API over the unix socket, for the test's own look at the data plane. */
  readonly runtime: HaproxyRuntime;
  /** Requests a region's server is answering now (health checks apart). */
  inflight(region: string): number;
  /** Requests a region's server has answered (health checks apart). */
  served(region: string): number;
  showStat(): Promise<StatRow[]>;
  /** The `show stat` row of a region's server. */
  stat(region: string): Promise<StatRow>;
  getWeight(region: string): Promise<ServerWeight>;
  /** One request through HAProxy. */
  get(path?: string): Promise<Answer>;
  /** `concurrency` loops of keep-alive requests until stopped. */
  load(o?: { concurrency?: number }): LoadRun;
  stop(): Promise<void>;
}

export interface HaproxyLabOptions {
  readonly regions?: readonly string[];
  readonly backend?: string;
  /** The backend's `balance` algorithm. Default roundrobin. */
  readonly balance?: string;
  /** Every server's initial weight. Default 100. */
  readonly weight?: number;
}

interface RegionServer {
  readonly server: Server;
  readonly port: number;
  readonly counts: { inflight: number; served: number };
}

const START_TIMEOUT_MS = 15_000;

export async function startHaproxyLab(o: HaproxyLabOptions = {}): Promise<HaproxyLab> {
  const regionNames = o.regions ?? ['eu-central', 'eu-west'];
  const backend = o.backend ?? 'global';
  const dir = await mkdtemp(join(tmpdir(), 'daylight-haproxy-'));
  const regions = new Map<string, RegionServer>();
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  let child: ChildProcess | undefined;
  const output: string[] = [];
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    await agent.destroy().catch(() => undefined);
    for (const r of regions.values()) {
      r.server.closeAllConnections();
      await new Promise<void>((resolve) => r.server.close(() => resolve()));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const name of regionNames) regions.set(name, await startRegion(name));
    const frontPort = await freePort();
    const apiPort = await freePort();
    const socket = join(dir, 'admin.sock');
    await writeFile(join(dir, 'haproxy.cfg'), haproxyConfig({ socket, apiPort, frontPort, backend, regions, balance: o.balance ?? 'roundrobin', weight: o.weight ?? 100 }));
    child = spawn(HAPROXY_BIN, ['-f', join(dir, 'haproxy.cfg'), '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    process.once('exit', killOnExit);
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const runtime = new HaproxyRuntime({ address: `unix://${socket}`, timeoutMs: 2_000 });
    await untilReady(runtime, child, output, regionNames);
    const url = `http://127.0.0.1:${frontPort}`;
    const get = (path = '/'): Promise<Answer> => oneRequest(agent, `${url}${path}`);
    const showStat = async (): Promise<StatRow[]> => parseShowStat(await runtime.send(`show stat ${backend} 4 -1`));
    return {
      dir, backend, url, runtime,
      unixApi: `unix://${socket}`,
      tcpApi: `tcp://127.0.0.1:${apiPort}`,
      regions: regionNames,
      inflight: (region) => regions.get(region)?.counts.inflight ?? 0,
      served: (region) => regions.get(region)?.counts.served ?? 0,
      showStat,
      stat: async (region) => {
        const row = (await showStat()).find((r) => r.svname === region);
        if (!row) throw new Error(`show stat has no server ${region}`);
        return row;
      },
      getWeight: async (region) => parseWeight(await runtime.send(`get weight ${backend}/${region}`)),
      get,
      load: (l) => startLoad(get, l?.concurrency ?? 4),
      stop,
    };
  } catch (e: unknown) {
    await stop();
    throw new Error(`the HAProxy lab did not start: ${errorMessage(e)}\n${output.join('')}`, { cause: e });
  }
}

interface LabConfig {
  readonly socket: string;
  readonly apiPort: number;
  readonly frontPort: number;
  readonly backend: string;
  readonly balance: string;
  readonly weight: number;
  readonly regions: ReadonlyMap<string, RegionServer>;
}

function haproxyConfig(c: LabConfig): string {
  const servers = [...c.regions].map(([name, r]) => `  server ${name} 127.0.0.1:${r.port} check inter 200ms weight ${c.weight}`);
  return [
    'global',
    `  stats socket ${c.socket} mode 600 level admin`,
    `  stats socket ipv4@127.0.0.1:${c.apiPort} level admin`,
    '  stats timeout 10s',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend www',
    `  bind 127.0.0.1:${c.frontPort}`,
    `  default_backend ${c.backend}`,
    `backend ${c.backend}`,
    `  balance ${c.balance}`,
    '  option httpchk GET /healthz',
    ...servers,
    '',
  ].join('\n');
}

/** A region: 200 with `x-region`, keep-alive on; `/slow?ms=N` holds the request open for N ms. */
async function startRegion(name: string): Promise<RegionServer> {
  const counts = { inflight: 0, served: 0 };
  const server = createHttpServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => {
    const u = new URL(req.url ?? '/', 'http://region');
    res.setHeader('x-region', name);
    if (u.pathname === '/healthz') {
      res.end('ok');
      return;
    }
    counts.inflight++;
    let open = true;
    const done = (): void => {
      if (!open) return;
      open = false;
      counts.inflight--;
      counts.served++;
    };
    res.on('close', done);
    const ms = u.pathname === '/slow' ? Number(u.searchParams.get('ms') ?? '1000') : 0;
    if (ms <= 0) {
      res.end(name);
      return;
    }
    const t = setTimeout(() => res.end(name), ms);
    res.on('close', () => clearTimeout(t));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, counts };
}

async function oneRequest(agent: Agent, url: string): Promise<Answer> {
  const startedAt = performance.now();
  try {
    const res = await request(url, { dispatcher: agent, headersTimeout: 30_000, bodyTimeout: 30_000 });
    await res.body.text();
    const region = res.headers['x-region'];
    return { startedAt, endedAt: performance.now(), status: res.statusCode, region: typeof region === 'string' ? region : undefined };
  } catch (e: unknown) {
    return { startedAt, endedAt: performance.now(), error: errorMessage(e) };
  }
}

function startLoad(get: (path?: string) => Promise<Answer>, concurrency: number): LoadRun {
  const answers: Answer[] = [];
  const state = { running: true };
  const loop = async (): Promise<void> => {
    while (state.running) answers.push(await get('/'));
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    answers,
    stop: async () => {
      state.running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

/** Waits until the runtime API answers `show info` and every region's server is UP (bounded). */
async function untilReady(runtime: HaproxyRuntime, child: ChildProcess, output: readonly string[], regions: readonly string[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = '';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${output.join('')}`);
    try {
      const info = await runtime.send('show info');
      if (/^Name: HAProxy/m.test(info)) {
        const rows = parseShowStat(await runtime.send('show stat -1 4 -1'));
        const up = regions.filter((r) => rows.some((row) => row.svname === r && row.status === 'UP' && row.check_status === 'L7OK'));
        if (up.length === regions.length) return;
        last = `servers up: ${up.join(', ') || 'none'}`;
      }
    } catch (e: unknown) {
      last = errorMessage(e);
    }
    await systemClock.sleep(backoffDelay({ baseMs: 20, capMs: 200 }, attempt));
  }
  throw new Error(`HAProxy was not ready within ${START_TIMEOUT_MS} ms: ${last}`);
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}
