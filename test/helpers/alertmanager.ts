// A real Alertmanager (Debian package prometheus-alertmanager) for tests: a minimal config with a null
// receiver, no clustering, on a free port of 127.0.0.1, ready when /-/ready answers; stop() always ends it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';
import { backoffDelay } from '../../src/lib/backoff.ts';

export interface RunningAlertmanager {
  /** Base URL, such as http://127.0.0.1:41234. */
  readonly url: string;
  stop(): Promise<void>;
}

const BINARY = 'prometheus-alertmanager';
const CONFIG = ['route:', "  receiver: 'null'", 'receivers:', "  - name: 'null'", ''].join('\n');
const READY_WITHIN_MS = 20_000;
const STOP_GRACE_MS = 5_000;
/** Another process may take the free port before Alertmanager binds it: a few tries, each on a new port. */
const START_ATTEMPTS = 3;

/** Starts Alertmanager with its config and data in `dir` (which the caller creates and removes). */
export async function startAlertmanager(dir: string): Promise<RunningAlertmanager> {
  await writeFile(join(dir, 'alertmanager.yml'), CONFIG);
  let last: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(dir, await freePort());
    } catch (e: unknown) {
      last = e;
    }
  }
  throw new Error(`Alertmanager did not start in ${START_ATTEMPTS} attempts; is ${BINARY} installed (apt-get install prometheus-alertmanager)?`, { cause: last });
}

async function startOnce(dir: string, port: number): Promise<RunningAlertmanager> {
  const storage = join(dir, `data-${port}`);
  await mkdir(storage, { recursive: true });
  const child = spawn(BINARY, [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${storage}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  // a test process that dies without stop() must not leave Alertmanager behind
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilReady(url, child, () => stderr);
  } catch (e: unknown) {
    await stop();
    throw e;
  }
  return { url, stop };
}

async function untilReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const exited = new Promise<never>((_resolve, reject) => {
    const onEnd = (code: number | null): void => reject(new Error(`Alertmanager exited (${code}) before it was ready: ${stderr().trim()}`));
    child.once('exit', onEnd);
    child.once('error', (e) => reject(new Error(`could not start ${BINARY}`, { cause: e })));
  });
  exited.catch(() => undefined);
  const until = Date.now() + READY_WITHIN_MS;
  for (let attempt = 0; ; attempt++) {
    if (await Promise.race([isReady(url), exited])) return;
    if (Date.now() > until) throw new Error(`Alertmanager at ${url} was not ready within ${READY_WITHIN_MS} ms: ${stderr().trim()}`);
    await Promise.race([sleep(backoffDelay({ baseMs: 50, capMs: 500 }, attempt)), exited]);
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const grace = new AbortController();
  const stopped = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => false)]);
  grace.abort();
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}
