// The one renderer of `{{name}}` templates in plan and workspace values (node and backup commands, hooks,
// silence matchers, queries, platform commands): which names a text uses, the check a loader runs against
// the names a field allows, and the rendering, with shell quoting for values put into commands.
import { UserError } from './errors.ts';

/** A template referred to a name that is not known where it is rendered. */
export class TemplateError extends UserError {
  override name = 'TemplateError';
}

/**
 * `{{cluster}}`, `{{ cluster }}`, `{{node.name}}`. Braces around anything else (a kubectl go-template
 * such as `{{.metadata.name}}`) do not look like one of ours and stay as written.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** How values go in: as they are (URLs, queries, matchers), or quoted for `sh -c` (commands). */
export type TemplateQuoting = 'none' | 'shell';

/** The names `text` refers to, in order, each once. */
export function templateNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/**
 * Why `text` cannot be rendered with `allowed` names: the first unknown name and the known ones; undefined
 * when every name is known. Loaders call this so an unknown name is an error at its position in the file.
 */
export function templateProblem(text: string, allowed: readonly string[]): string | undefined {
  const unknown = templateNames(text).find((n) => !allowed.includes(n));
  if (unknown === undefined) return undefined;
  const known = [...allowed].sort();
  const list = known.length > 0 ? `known variables: ${known.join(', ')}` : 'no variables are known here';
  return `${JSON.stringify(text)} uses {{${unknown}}}, which is not a known variable; ${list}`;
}

/**
 * Replaces every `{{name}}` in `text` with `vars[name]`; a name not in `vars` is a TemplateError, never left
 * as written (in a command it would reach the shell as `{{...}}`). With `quoting: 'shell'` each value is
 * quoted for `sh -c` unless it is made only of characters the shell takes literally.
 */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>, quoting: TemplateQuoting = 'none'): string {
  const problem = templateProblem(text, Object.keys(vars));
  if (problem !== undefined) throw new TemplateError(problem);
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = vars[name] as string;
    return quoting === 'shell' ? shellQuote(value) : value;
  });
}

/** Characters `sh` reads as themselves anywhere in a word. */
const SHELL_SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/**
 * `value` as one `sh` word. Node names are DNS subdomains (lower-case letters, digits, `-` and `.`) and
 * cluster names DNS labels, so today's values pass through unchanged; versions and other free text from a
 * plan are not so bounded, and quoting them costs nothing while a `;` or `$(...)` in one would run.
 */
export function shellQuote(value: string): string {
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
