// Running shell commands (gates, `command` node actions): `sh -c <command>` in its own process group,
// so a timeout or an abort kills the command and everything it started; only the tail of output is kept.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { errnoCode } from './errors.ts';

export interface CommandOutcome {
  /** Exit code, or null when a signal ended the process. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The process was killed because it ran past its timeout. */
  readonly timedOut: boolean;
  /** The tail of stdout and stderr, interleaved as they arrived. */
  readonly output: string;
  readonly durationMs: number;
}

export interface CommandOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Variables added to (or overriding) this process's environment for the command (hooks pass DAYLIGHT_*). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs `sh -c <command>`; kills it (and its children) after `timeoutMs` or when `signal` aborts. */
export type CommandExec = (command: string, options: CommandOptions) => Promise<CommandOutcome>;

function abortError(): Error {
  return new DOMException('the operation was aborted', 'AbortError');
}

/** Output kept from a command: enough for its last lines, bounded for chatty scripts. */
const OUTPUT_TAIL = 64 * 1024;
/** Between SIGTERM and SIGKILL when a command is stopped. */
const KILL_GRACE_MS = 2000;

export const shellExec: CommandExec = (command, options) =>
  new Promise<CommandOutcome>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortError());
      return;
    }
    const started = performance.now();
    const env = options.env ? { ...process.env, ...options.env } : undefined;
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
    const output = tailBuffer(OUTPUT_TAIL);
    child.stdout?.on('data', output.add);
    child.stderr?.on('data', output.add);
    let timedOut = false;
    const stop = stopper(child);
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, Math.max(1, options.timeoutMs));
    const onAbort = (): void => stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      stop.cancelKill();
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (e) => {
      settle();
      reject(new Error(`could not start sh -c ${JSON.stringify(command)}`, { cause: e }));
    });
    child.once('close', (exitCode, signal) => {
      settle();
      if (options.signal?.aborted) reject(abortError());
      else resolve({ exitCode, signal, timedOut, output: output.text(), durationMs: performance.now() - started });
    });
  });

/**
 * SIGTERM to the whole process group, SIGKILL after a grace period, and after another one our ends of
 * the pipes are closed, so that a process that left the group and holds them cannot make us wait forever.
 */
function stopper(child: ChildProcess): (() => void) & { cancelKill(): void } {
  const timers: NodeJS.Timeout[] = [];
  const stop = (): void => {
    if (timers.length > 0) return;
    signalGroup(child, 'SIGTERM');
    timers.push(setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS));
    timers.push(setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, 2 * KILL_GRACE_MS));
  };
  return Object.assign(stop, { cancelKill: () => timers.forEach(clearTimeout) });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (e: unknown) {
    if (errnoCode(e) !== 'ESRCH') throw e;
  }
}

function tailBuffer(limit: number): { add(chunk: Buffer): void; text(): string } {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk: Buffer) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > 2 * limit) {
        const all = Buffer.concat(chunks);
        chunks = [all.subarray(all.length - limit)];
        size = limit;
      }
    },
    text() {
      const all = Buffer.concat(chunks);
      return all.subarray(Math.max(0, all.length - limit)).toString('utf8');
    },
  };
}
