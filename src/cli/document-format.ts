// The --format html|json flag of commands that write a document (report, status page), with -o json as
// its alias so that every command takes -o json where it prints data.
import { UserError } from '../lib/errors.ts';
import { stringFlag } from './args.ts';
import type { Options, Parsed } from './args.ts';

export const FORMAT_OPTION: Options = { format: { type: 'string' } };

export function documentFormat(p: Parsed): 'html' | 'json' {
  const format = stringFlag(p, 'format');
  const output = stringFlag(p, 'output');
  if (format !== undefined && format !== 'html' && format !== 'json') throw new UserError(`--format ${format}: expected "html" or "json"`);
  if (output !== undefined && output !== 'json') throw new UserError(`-o ${output}: expected "json" (or use --format html|json)`);
  return format ?? (output === 'json' ? 'json' : 'html');
}
