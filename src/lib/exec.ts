// Running a shell command with a timeout and an abort signal: for node actions (`command`) and gates.
import { spawn } from 'node:child_process';

export interface ExecResult {
  readonly code: number | null;
  /** The last part of stdout and stderr together. */
  readonly output: string;
  readonly timedOut: boolean;
}

export type Exec = (command: string, o: { timeoutMs: number; signal?: AbortSignal; env?: Record<string, string> }) => Promise<ExecResult>;

const KEEP = 4000;

export const shellExec: Exec = (command, o) =>
  new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
    let output = '';
    const keep = (c: Buffer) => {
      output = (output + c.toString()).slice(-KEEP);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) {
        const e = new Error('aborted');
        e.name = 'AbortError';
        reject(e);
        return;
      }
      resolve({ code, output, timedOut });
    });
  });
