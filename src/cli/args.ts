// Flag parsing for every command, on node:util parseArgs: unknown flags, bad values and extra arguments
// become UserErrors (exit 2) that name the flag and the way to get help.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../lib/errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

/** Flags every command takes, like kubectl's global flags, whether or not it uses them. */
export const GLOBAL_OPTIONS: Options = { 'state-dir': { type: 'string' } };

/** Parses the flags; `-o` is checked here so that a bad value fails before any file or cluster is read. */
export function parse(command: string, argv: readonly string[], options: Options): Parsed {
  let parsed: Parsed;
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    parsed = { values, positionals };
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UserError(`${message}\nSee: daylight ${command} --help`, { cause: e });
  }
  // commands that write a document check -o together with --format (document-format.ts), before reading
  if ('output' in options && !('format' in options)) outputFlag(parsed);
  return parsed;
}

/** The positional arguments, or a UserError naming the first one beyond `max` and the command's usage. */
export function positionals(p: Parsed, max: number, usage: string): string[] {
  const extra = p.positionals[max];
  if (extra !== undefined) throw new UserError(`unexpected argument "${extra}"; use: ${usage}`);
  return p.positionals;
}

export function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A numeric flag within bounds, or a UserError that says what was given and what is allowed. */
export function numberFlag(p: Parsed, name: string, bounds: { min: number; max: number; integer?: boolean }): number | undefined {
  const raw = stringFlag(p, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < bounds.min || n > bounds.max || (bounds.integer && !Number.isInteger(n))) {
    throw new UserError(`--${name} ${raw}: expected ${bounds.integer ? 'an integer' : 'a number'} from ${bounds.min} to ${bounds.max}`);
  }
  return n;
}

export type OutputFormat = 'text' | 'json';

export function outputFlag(p: Parsed): OutputFormat {
  const o = stringFlag(p, 'output') ?? 'text';
  if (o !== 'text' && o !== 'json') throw new UserError(`-o ${o}: expected "json" or "text"`);
  return o;
}

export const OUTPUT_OPTION: Options = { output: { type: 'string', short: 'o' } };
export const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h' } };
