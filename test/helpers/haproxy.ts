// A real HAProxy (Debian package) for tests, as a global load balancer in front of the sandbox's region
// ingresses: a minimal config in a temp dir, the process in the foreground as a child, its runtime API
// on a unix socket, and a stop that always ends the child (also when the test process exits first).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

const DEFAULT_BINARY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the final NUL). */
const MAX_SOCKET_PATH = 107;

export interface HaproxyOptions {
  /** Server name (the region) → its URL, `http://127.0.0.1:<port>`; one server each in the backend. */
  readonly servers: Readonly<Record<string, string>>;
  /** Where the config and the admin socket go; the caller owns and removes it. */
  readonly dir: string;
  /** Name of the backend; `global` as in the plan file's `traffic.haproxy.backend`. */
  readonly backend?: string;
  /** Health-check interval of every server, HAProxy syntax. */
  readonly checkInterval?: string;
  /** Initial weight of every server (HAProxy's default is 1; canary shares of 10% need 10 or more). */
  readonly weight?: number;
  /** Consecutive failed checks that mark a server DOWN (HAProxy's default 3) and passed ones that mark it UP (default 2). */
  readonly fall?: number;
  readonly rise?: number;
  /** Limit for HAProxy to start listening. */
  readonly startTimeoutMs?: number;
  readonly binary?: string;
}

export interface ServerStat {
  /** `UP`, `DOWN`, `MAINT`, `DRAIN`, `no check`, and the transitional `UP 1/2`, `DOWN 1/3`. */
  readonly status: string;
  readonly weight: number;
}

export interface RunningHaproxy {
  /** The frontend, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Path of the runtime API's unix socket (level admin). */
  readonly socket: string;
  /** Path of the config file it runs. */
  readonly config: string;
  readonly backend: string;
  /** Sends one command to the runtime API and returns its answer. */
  command(line: string): Promise<string>;
  /** The backend's servers by name, from `show stat`. */
  servers(): Promise<Record<string, ServerStat>>;
  /** Waits until every named server (all when omitted) has the status; fails with the last statuses after `timeoutMs`. */
  waitFor(status: string, names?: readonly string[], timeoutMs?: number): Promise<void>;
  /** Ends HAProxy (SIGTERM, then SIGKILL after a second); safe to call twice. */
  stop(): Promise<void>;
}

export function haproxyConfig(o: { servers: Readonly<Record<string, string>>; backend: string; socket: string; port: number; checkInterval: string; weight?: number; fall?: number; rise?: number }): string {
  const servers = Object.entries(o.servers).map(([name, url]) => {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`server ${name}: ${url} is not a plain-HTTP URL; pass the ingress URL (http://127.0.0.1:<port>)`);
    const extra = [o.weight !== undefined ? ` weight ${o.weight}` : '', o.fall !== undefined ? ` fall ${o.fall}` : '', o.rise !== undefined ? ` rise ${o.rise}` : ''].join('');
    return `  server ${name} ${u.hostname}:${u.port} check inter ${o.checkInterval}${extra}`;
  });
  return [
    'global',
    `  stats socket ${o.socket} mode 600 level admin`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    '  timeout http-keep-alive 10s',
    '',
    'frontend fe',
    `  bind 127.0.0.1:${o.port}`,
    `  default_backend ${o.backend}`,
    '',
    `backend ${o.backend}`,
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    ...servers,
    '',
  ].join('\n');
}

export async function startHaproxy(o: HaproxyOptions): Promise<RunningHaproxy> {
  const backend = o.backend ?? 'global';
  const socket = join(o.dir, 'admin.sock');
  if (socket.length > MAX_SOCKET_PATH) throw new Error(`${socket} is longer than ${MAX_SOCKET_PATH} bytes, too long for a unix socket; pass a shorter dir (a mkdtemp under os.tmpdir())`);
  const port = await freePort();
  const config = join(o.dir, 'haproxy.cfg');
  await writeFile(config, haproxyConfig({ servers: o.servers, backend, socket, port, checkInterval: o.checkInterval ?? '200ms', weight: o.weight, fall: o.fall, rise: o.rise }));
  const child = spawn(o.binary ?? DEFAULT_BINARY, ['-f', config, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopChild(child);
  };
  const command = (line: string) => runtimeCommand(socket, line);
  const servers = async () => serverStats(await command('show stat'), backend);
  try {
    await untilListening(child, () => command('show info'), o.startTimeoutMs ?? 10_000, () => stderr);
  } catch (e: unknown) {
    await stop();
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    socket,
    config,
    backend,
    command,
    servers,
    waitFor: async (status, names, timeoutMs = 10_000) => {
      const end = Date.now() + timeoutMs;
      for (let delay = 50; ; delay = Math.min(delay * 2, 250)) {
        const now = await servers();
        const wanted = names ?? Object.keys(now);
        if (wanted.every((n) => now[n]?.status === status)) return;
        if (Date.now() > end) throw new Error(`HAProxy servers not all ${status} after ${timeoutMs} ms: ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, delay));
      }
    },
    stop,
  };
}

/** Polls until the runtime API answers; fails at once, with HAProxy's own words, if the process ends. */
async function untilListening(child: ChildProcess, probe: () => Promise<unknown>, timeoutMs: number, stderr: () => string): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `HAProxy exited (${signal ?? code}) before listening:\n${stderr()}`));
  child.once('error', (e) => (exited = `HAProxy could not start: ${e.message}; install the Debian package haproxy`));
  const end = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 200)) {
    if (exited) throw new Error(exited);
    try {
      await probe();
      return;
    } catch {
      if (Date.now() > end) throw new Error(`HAProxy did not open its runtime API within ${timeoutMs} ms:\n${stderr()}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
  await exited;
  clearTimeout(timer);
}

function runtimeCommand(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let out = '';
    conn.setTimeout(5000, () => conn.destroy(new Error(`HAProxy runtime API: no answer to "${line}" within 5 s`)));
    conn.on('connect', () => conn.end(`${line}\n`));
    conn.on('data', (c: Buffer) => (out += c.toString()));
    conn.on('end', () => resolve(out));
    conn.on('error', reject);
  });
}

/** The servers of one backend in `show stat` CSV (header `# pxname,svname,...`). */
function serverStats(csv: string, backend: string): Record<string, ServerStat> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (name: string) => header.indexOf(name);
  const out: Record<string, ServerStat> = {};
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const name = f[col('svname')] ?? '';
    if (f[col('pxname')] !== backend || name === 'BACKEND' || name === 'FRONTEND') continue;
    out[name] = { status: f[col('status')] ?? '', weight: Number(f[col('weight')] ?? 0) };
  }
  return out;
}
