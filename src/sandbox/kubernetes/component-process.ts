// One upstream component (etcd, kube-apiserver, ...) as a child process: its output goes to a log file
// in the run directory, an early exit is reported with the log's tail, and stop() ends it with SIGTERM,
// then SIGKILL after a grace period, and waits until it is gone.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { errnoCode } from '../../lib/errors.ts';

export interface ComponentProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Settles when the process ends, with its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Rejects with the log's tail if the process has already ended, so a wait for readiness fails fast. */
  assertRunning(): Promise<void>;
  stop(): Promise<void>;
}

/** Between SIGTERM and SIGKILL: etcd and kube-apiserver shut down in well under this. */
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 30;

export function startComponent(name: string, binary: string, args: readonly string[], logPath: string): ComponentProcess {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('error', (e) => {
      ended = true;
      log.write(`could not start ${binary}: ${e.message}\n`);
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => {
      ended = true;
      log.end();
      resolve({ code, signal });
    });
  });
  return {
    name,
    pid: child.pid ?? -1,
    logPath,
    exited,
    async assertRunning() {
      if (!ended) return;
      const { code, signal } = await exited;
      throw new Error(`${name} exited (${code ?? signal}) before it was ready; the end of ${logPath}:\n${await logTail(logPath)}`);
    },
    async stop() {
      if (ended) return;
      signal(child, 'SIGTERM');
      const timer = setTimeout(() => signal(child, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function logTail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    child.kill(name);
  } catch (e: unknown) {
    if (errnoCode(e) !== 'ESRCH') throw e;
  }
}
