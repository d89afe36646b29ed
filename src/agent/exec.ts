// The agent's one way to start a host command: an argv without a shell, in its own process group so a
// timeout ends everything it started, keeping only the tail of what it printed.
import { spawn } from 'node:child_process';
import { errorMessage } from '../lib/errors.ts';
import type { Exec } from './host.ts';
import { outputTail } from './host.ts';

export const argvExec: Exec = (argv, o) =>
  new Promise((resolve) => {
    const [command, ...args] = argv;
    if (command === undefined) return resolve({ code: 127, outputTail: 'no command' });
    let output = '';
    const keep = (chunk: Buffer) => (output = outputTail(output + chunk.toString('utf8'), 8_000));
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      keep(Buffer.from(`\n(killed after ${Math.round(o.timeoutMs / 1000)} s)\n`));
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, o.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, outputTail: `${command}: ${errorMessage(e)}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, outputTail: outputTail(output.trim()) });
    });
  });
