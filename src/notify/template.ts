// `{{name}}` templates in plan values (silence matchers, hook commands and URLs), filled from a run's
// variables; a name that is not known is an error that lists the known ones, never an empty string.
import { UserError } from '../lib/errors.ts';

/** A template referred to a variable that is not known where it is rendered. */
export class TemplateError extends UserError {
  override name = 'TemplateError';
}

/**
 * `{{cluster}}`, `{{ cluster }}`, `{{node.name}}`. Braces around anything else (a kubectl go-template
 * such as `{{.metadata.name}}`) do not look like one of ours and stay as written.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Replaces every `{{name}}` in `text` with `vars[name]`; values go in verbatim (no shell quoting). */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    if (Object.hasOwn(vars, name)) return vars[name] as string;
    const known = Object.keys(vars).sort();
    const list = known.length > 0 ? `known variables: ${known.join(', ')}` : 'no variables are known here';
    throw new TemplateError(`${JSON.stringify(text)} uses {{${name}}}, which is not a known variable; ${list}`);
  });
}
