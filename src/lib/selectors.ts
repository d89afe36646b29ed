// Label and field selectors as the API server reads them from query strings and from objects
// (`spec.selector`), compiled once into predicates.

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export type Labels = Readonly<Record<string, string>> | undefined;
export type LabelMatcher = (labels: Labels) => boolean;

export class SelectorError extends Error {
  override name = 'SelectorError';
}

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!=';
  values: readonly string[];
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`. An empty string matches everything. */
export function parseLabelSelector(text: string): LabelMatcher {
  const reqs = splitTopLevel(text).map(parseRequirement);
  return (labels) => reqs.every((r) => matches(r, labels));
}

/** Compiles a `metav1.LabelSelector`. An empty selector matches everything, a missing one nothing. */
export function compileLabelSelector(selector: LabelSelector | undefined | null): LabelMatcher {
  if (!selector) return () => false;
  const reqs: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, op: '=', values: [v] }));
  for (const e of selector.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator];
    if (!op) throw new SelectorError(`unknown operator "${String(e.operator)}" in matchExpressions; use In, NotIn, Exists or DoesNotExist`);
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return (labels) => reqs.every((r) => matches(r, labels));
}

/** Compiles a plain `key: value` selector as Services write it. */
export function compileMapSelector(selector: Readonly<Record<string, string>> | undefined): LabelMatcher {
  if (!selector || Object.keys(selector).length === 0) return () => false;
  const entries = Object.entries(selector);
  return (labels) => labels !== undefined && entries.every(([k, v]) => labels[k] === v);
}

function matches(r: Requirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
    case 'in':
      return has && r.values.includes(value as string);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value as string);
  }
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseRequirement(part: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
    return { key: checkKey(set[1] as string, part), op: set[2] as 'in' | 'notin', values };
  }
  const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eq) {
    const op = eq[2] === '!=' ? '!=' : '=';
    return { key: checkKey(eq[1] as string, part), op, values: [eq[3] ?? ''] };
  }
  if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), part), op: '!exists', values: [] };
  return { key: checkKey(part, part), op: 'exists', values: [] };
}

function checkKey(key: string, part: string): string {
  if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement "${part}": invalid label key "${key}"`);
  return key;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses `spec.nodeName=a,status.phase!=Succeeded`; which fields are allowed is the caller's business. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  return splitTopLevel(text).map((part) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector "${part}": expected field=value or field!=value`);
    return { field: m[1] as string, op: m[2] === '!=' ? '!=' : '=', value: (m[3] ?? '').trim() };
  });
}
