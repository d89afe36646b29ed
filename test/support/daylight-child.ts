// `daylight <args>` in its own process, as a user's terminal runs it: its output kept, its exit awaited, and
// SIGKILLed if it outlives its time (the crash and resume tests kill it on purpose, and read what it printed).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Child {
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<Exit>;
  /** Whether it has exited. */
  readonly done: () => boolean;
}

/** Starts `daylight <args>`; killed with SIGKILL if it still runs after `limitMs`. */
export function daylightChild(args: readonly string[], limitMs: number, env: NodeJS.ProcessEnv = process.env): Child {
  const proc = spawn(process.execPath, [ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  let finished = false;
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const guard = setTimeout(() => proc.kill('SIGKILL'), limitMs);
  const exited = new Promise<Exit>((resolve) => {
    proc.once('close', (code, signal) => {
      finished = true;
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { kill: (s) => void proc.kill(s), exited, done: () => finished };
}
