// Command gate: a shell command (a smoke test, "Longhorn volumes healthy") passes the gate by exiting
// 0 within its timeout; the message carries its last lines of output.
import type { Gate } from '../plan/schema.ts';
import { shellExec } from '../lib/command-exec.ts';
import type { CommandOutcome, GateContext, Measurement } from './types.ts';

type CommandGate = Extract<Gate, { type: 'command' }>;

/** Lines of output a message carries. */
const LAST_LINES = 5;

export async function checkCommand(gate: CommandGate, ctx: GateContext): Promise<Measurement> {
  const exec = ctx.exec ?? shellExec;
  const outcome = await exec(gate.run, { timeoutMs: gate.timeout.ms, signal: ctx.signal });
  const tail = lastLines(outcome.output, LAST_LINES);
  const output = tail ? `; last output: ${tail}` : '; no output';
  const took = `${(outcome.durationMs / 1000).toFixed(1)}s`;
  if (outcome.timedOut) {
    return { passed: false, value: 'timeout', threshold: 'exit 0', message: `${gate.run} ran past its timeout of ${gate.timeout.toString()} and was killed${output}` };
  }
  const value = outcome.exitCode ?? outcome.signal ?? 'unknown';
  return { passed: outcome.exitCode === 0, value, threshold: 'exit 0', message: `${gate.run} ${ended(outcome)} after ${took}${output}` };
}

function ended(o: CommandOutcome): string {
  if (o.exitCode !== null) return `exited ${o.exitCode}`;
  return `was ended by ${o.signal ?? 'an unknown cause'}`;
}

export function lastLines(output: string, n: number): string {
  const lines = output.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l !== '');
  return lines.slice(-n).join(' | ');
}
