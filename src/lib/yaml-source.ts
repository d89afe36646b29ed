// YAML files validated by a zod schema, with every problem reported as file:line:column and the fix.
import { isMap, isSeq, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { errorMessage, UserError } from './errors.ts';

type Path = readonly PropertyKey[];

interface Loaded {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain data: which member of a discriminated union an object is. */
  readonly value: unknown;
}

/** Parses YAML text and validates it; throws a UserError that lists every problem with its position. */
export function loadYaml<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `${file}:${at.line}:${at.col}: ${yamlErrorText(e.code, e.message)}`;
    });
    throw new UserError(problems.join('\n'));
  }
  const value = toPlain(file, doc, lines);
  const result = schema.safeParse(value ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const loaded: Loaded = { file, doc, lines, value };
  const problems = result.error.issues.map((issue) => describeIssue(loaded, schema, issue));
  throw new UserError([...new Set(problems)].join('\n'));
}

/** The document as plain data; an alias that cannot be resolved is bad input, reported at the alias. */
function toPlain(file: string, doc: Document.Parsed, lines: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e: unknown) {
    if (!(e instanceof ReferenceError)) throw e;
    let first: Alias | undefined;
    let unresolved: Alias | undefined;
    visit(doc, {
      Alias: (_key, node) => {
        first ??= node;
        if (!unresolved && !node.resolve(doc)) unresolved = node;
      },
    });
    const at = lines.linePos((unresolved ?? first)?.range?.[0] ?? 0);
    const fix = unresolved ? `define the anchor &${unresolved.source} before the alias that uses it` : 'use fewer aliases';
    throw new UserError(`${file}:${at.line}:${at.col}: ${errorMessage(e)}; ${fix}`, { cause: e });
  }
}

function yamlErrorText(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  if (code === 'DUPLICATE_KEY') return `${first}; remove or rename the second one`;
  if (code === 'TAB_AS_INDENT') return `${first}; indent with spaces`;
  return first;
}

interface Issue {
  readonly code: string;
  readonly path: PropertyKey[];
  readonly message: string;
  readonly input?: unknown;
  readonly keys?: string[];
  readonly values?: unknown[];
  readonly expected?: string;
  readonly discriminator?: string;
  readonly options?: unknown[];
}

function describeIssue(loaded: Loaded, schema: z.ZodType, issue: Issue): string {
  const where = dotted(issue.path);
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const known = knownKeys(schema, issue.path, loaded.value);
    return issue.keys
      .map((key) => {
        const pos = position(loaded, issue.path, key);
        const hint = suggest(key, known);
        const name = /^[^\s"]*$/.test(key) ? key : JSON.stringify(key);
        const field = where ? `${where}.${name}` : name;
        const fix = hint ? `did you mean "${hint}"?` : `remove it${known.length ? ` (fields here: ${known.join(', ')})` : ''}`;
        return `${pos}: ${field}: unknown field; ${fix}`;
      })
      .join('\n');
  }
  const pos = position(loaded, issue.path);
  // one problem, one line: a value with line breaks in it (a multi-line string) is quoted with \n
  return `${pos}: ${where || '(document)'}: ${issueText(issue).replace(/\r?\n/g, '\\n')}`;
}

function issueText(issue: Issue): string {
  const got = issue.input === undefined ? 'nothing' : JSON.stringify(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required field is missing; add it (${issue.expected})`;
      return `expected ${article(issue.expected ?? 'value')}, got ${got}`;
    case 'invalid_value':
      if (issue.input === undefined) {
        const values = issue.values ?? [];
        return values.length === 1 ? `required field is missing; add it with the value ${JSON.stringify(values[0])}` : `required field is missing; add it, one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return `${got} is not allowed; write one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      if (issue.discriminator && issue.options) {
        const value = typeof issue.input === 'object' && issue.input !== null ? (issue.input as Record<string, unknown>)[issue.discriminator] : undefined;
        const allowed = issue.options.map((o) => JSON.stringify(o)).join(', ');
        return value === undefined ? `required field is missing; add it, one of ${allowed}` : `${JSON.stringify(value)} is not allowed; write one of ${allowed}`;
      }
      return issue.message;
    default:
      return issue.message.includes('; ') || issue.input === undefined ? issue.message : `${issue.message} (got ${got})`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function dotted(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

/** file:line:column of the value at `path`, of the key `key` inside it, or of the nearest existing parent. */
function position(loaded: Loaded, path: Path, key?: string): string {
  let node: unknown = loaded.doc.contents;
  let best: YamlNode | undefined = isNode(node) ? node : undefined;
  const steps: PropertyKey[] = key === undefined ? [...path] : [...path, key];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const isLast = i === steps.length - 1;
    const next = child(node, step, isLast && key !== undefined);
    if (!next) break;
    node = next;
    best = next;
  }
  const offset = best?.range?.[0] ?? 0;
  const at = loaded.lines.linePos(offset);
  return `${loaded.file}:${at.line}:${at.col}`;
}

function isNode(x: unknown): x is YamlNode {
  return isMap(x) || isSeq(x) || isScalar(x);
}

function child(node: unknown, step: PropertyKey | undefined, wantKey: boolean): YamlNode | undefined {
  if (isSeq(node) && typeof step === 'number') {
    const item: unknown = node.items[step];
    return isNode(item) ? item : undefined;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k: unknown = pair.key;
      const name = isScalar(k) ? String(k.value) : String(k);
      if (name !== String(step)) continue;
      if (wantKey && isNode(k)) return k;
      const v: unknown = pair.value;
      return isNode(v) ? v : isNode(k) ? k : undefined;
    }
  }
  return undefined;
}

interface ZodDefLike {
  readonly type?: string;
  readonly shape?: Record<string, unknown>;
  readonly element?: unknown;
  readonly innerType?: unknown;
  readonly in?: unknown;
  readonly options?: readonly unknown[];
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
  readonly getter?: () => unknown;
}

function defOf(schema: unknown): ZodDefLike | undefined {
  const zod = (schema as { _zod?: { def?: ZodDefLike } } | undefined)?._zod;
  return zod?.def;
}

/** The field names a strict object accepts at `path`, read from the schema itself (and `data`, for unions). */
function knownKeys(schema: unknown, path: Path, data: unknown): string[] {
  let current: unknown = schema;
  let value = data;
  const steps = [...path];
  for (let guard = 0; guard < 100 && current; guard++) {
    const def = defOf(current);
    if (!def) return [];
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault' || def.type === 'readonly') {
      current = def.innerType;
    } else if (def.type === 'pipe') {
      current = def.in;
    } else if (def.type === 'lazy' && def.getter) {
      current = def.getter();
    } else if (def.type === 'union' && def.options) {
      current = unionMember(def, value);
    } else if (steps.length === 0) {
      return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
    } else {
      const step = steps.shift();
      value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[step as PropertyKey] : undefined;
      if (def.type === 'array') current = def.element;
      else if (def.type === 'object' && def.shape) current = def.shape[String(step)];
      else return [];
    }
  }
  return [];
}

/** The member of a union `value` belongs to: by its discriminator (a gate's or action's `type`), else the first object. */
function unionMember(def: ZodDefLike, value: unknown): unknown {
  const options = def.options ?? [];
  const key = def.discriminator;
  if (key && typeof value === 'object' && value !== null) {
    const tag = (value as Record<string, unknown>)[key];
    const match = options.find((o) => defOf(defOf(o)?.shape?.[key])?.values?.includes(tag));
    if (match) return match;
  }
  return options.find((o) => defOf(o)?.type === 'object' || defOf(o)?.type === 'array') ?? options[0];
}

/** The closest known name within a small edit distance, or undefined. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
