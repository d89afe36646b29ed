// A running sandbox for end-to-end tests, with a kubeconfig on disk and a helper that runs the real kubectl
// against it; everything is torn down after the test.
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fleet } from '../../src/sandbox/fleet-schema.ts';
import type { RefereeReport } from '../../src/sandbox/referee.ts';
import { startSandbox } from '../../src/sandbox/sandbox.ts';
import type { RunningSandbox } from '../../src/sandbox/sandbox.ts';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where one region's API server is, and what a client trusts and sends there. */
export interface ApiTarget {
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
}

/** What a test needs of any running sandbox, whichever engine runs it. */
export interface SandboxClient {
  readonly kubeconfigPath: string;
  /** Runs kubectl with this sandbox's kubeconfig; never throws on a non-zero exit. */
  kubectl(args: readonly string[], opts?: { timeoutMs?: number; input?: string }): Promise<KubectlResult>;
  /** GET on a region's API with the sandbox token; returns the parsed JSON body. */
  api(region: string, path: string): Promise<unknown>;
  /** A region's API server URL, the CA that signed its certificate, and a token with full rights there. */
  target(region: string): ApiTarget;
  /** Waits (real time) until `check` holds; throws with `what` after `timeoutMs`. */
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface TestSandbox extends SandboxClient {
  readonly sandbox: RunningSandbox;
}

export async function startTestSandbox(fleet: Fleet, opts: { speed?: number } = {}): Promise<TestSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-test-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ fleet, port: 0, speed: opts.speed, kubeconfigPath });
  const target = (region: string): ApiTarget => {
    const server = sandbox.servers.get(region);
    if (!server) throw new Error(`no region ${region}`);
    return { url: server.url, caPem: sandbox.tls.caPem, token: sandbox.token };
  };
  const client = sandboxClient(dir, kubeconfigPath, target);
  return {
    ...client,
    sandbox,
    stop: async () => {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** kubectl, GETs and waits for a sandbox whose kubeconfig is at `kubeconfigPath` (kubectl's cache in `dir`). */
export function sandboxClient(dir: string, kubeconfigPath: string, target: (region: string) => ApiTarget): Omit<SandboxClient, 'stop'> {
  const kubectl = (args: readonly string[], o: { timeoutMs?: number; input?: string } = {}) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile('kubectl', ['--kubeconfig', kubeconfigPath, ...args], { timeout: o.timeoutMs ?? 60_000, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') } }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (o.input !== undefined) child.stdin?.end(o.input);
    });
  // One keep-alive connection pool per API server and CA: a wait that polls reads over the same connections
  // instead of paying a TLS handshake (and a new secure context) on both sides for every read. Idle
  // connections do not hold the process open.
  const agents = new Map<string, Agent>();
  const agentFor = (t: ApiTarget) => {
    const key = `${t.url}\n${t.caPem}`;
    const agent = agents.get(key) ?? new Agent({ ca: t.caPem, keepAlive: true, maxSockets: 8 });
    agents.set(key, agent);
    return agent;
  };
  const get = (t: ApiTarget, path: string) =>
    new Promise<unknown>((resolve, reject) => {
      const req = request(`${t.url}${path}`, { agent: agentFor(t), headers: { authorization: `Bearer ${t.token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve(JSON.parse(text));
          } catch {
            resolve(text);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
  // A GET on a pooled connection the server closed as idle at that moment fails before any answer: it is
  // sent again once, on a new connection.
  const api = async (region: string, path: string) => {
    const t = target(region);
    try {
      return await get(t, path);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
      return get(t, path);
    }
  };
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    for (let delay = 20; !(await check()); delay = Math.min(delay * 2, 250)) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  };
  return { kubeconfigPath, kubectl, api, target, until };
}

/** Every pod of every region Ready. */
export function allPodsReady(s: RunningSandbox): boolean {
  return s.fleet.allPodsReady();
}

/** The referee as tests read it, the same on both engines. */
export interface RefereeSource {
  report(): Promise<RefereeReport>;
  /** Which pods were killed and which budgets breached (and more, per engine). */
  details(): Promise<unknown>;
}

/** The simulated engine's referee, served on a region's API port. */
export function simulatedReferee(ts: Pick<SandboxClient, 'api'>, region: string): RefereeSource {
  return {
    report: async () => (await ts.api(region, '/sandbox/v1/referee')) as RefereeReport,
    details: () => ts.api(region, '/sandbox/v1/referee/details'),
  };
}

/** The kubernetes engine's referee, served on its extras server (`extrasUrl`), the API ports being the real API servers'. */
export function extrasReferee(extrasUrl: string): RefereeSource {
  const get = async (path: string): Promise<unknown> => {
    const res = await fetch(`${extrasUrl}${path}`);
    if (res.status !== 200) throw new Error(`GET ${extrasUrl}${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  return {
    report: async () => (await get('/sandbox/v1/referee')) as RefereeReport,
    details: () => get('/sandbox/v1/referee/details'),
  };
}
