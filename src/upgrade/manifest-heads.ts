// A quick look at the top-level apiVersion and kind of each document in a YAML file, without building
// a YAML tree: a scan needs only those two keys, and a full parse of every document is what makes a
// scan of thousands of manifests slow. Documents this reader is not sure about are marked `plain:
// false` and go to the full parser (manifest-objects.ts); so do documents that match the table.

export interface DocumentHead {
  /** Offsets of the document's text in the file, the `---` line included. */
  readonly start: number;
  readonly end: number;
  /** 1-based line of `start`. */
  readonly startLine: number;
  /**
   * Whether apiVersion and kind below are what a YAML parser would read: a block mapping at column 0
   * whose top-level apiVersion and kind are single-line scalars, not a list kind.
   */
  readonly plain: boolean;
  readonly apiVersion?: string;
  readonly kind?: string;
  /** Line of the apiVersion key. */
  readonly line?: number;
}

interface Doc {
  start: number;
  startLine: number;
  plain: boolean;
  content: boolean;
  apiVersion?: string;
  kind?: string;
  line?: number;
}

const TOP_KEY = /^([A-Za-z_][A-Za-z0-9_./-]*)[ \t]*:(?:[ \t]+(.*))?$/;
const PLAIN_SCALAR = /^([A-Za-z0-9][A-Za-z0-9._/-]*)(?:[ \t]+#.*)?[ \t]*$/;
const DOUBLE_QUOTED = /^"([^"\\]*)"(?:[ \t]+#.*)?[ \t]*$/;
const SINGLE_QUOTED = /^'([^']*)'(?:[ \t]+#.*)?[ \t]*$/;

/**
 * The documents of a YAML text with their apiVersion and kind where a line scan can be sure of them;
 * undefined when the text needs the full parser throughout (directives).
 */
export function documentHeads(text: string): DocumentHead[] | undefined {
  const heads: DocumentHead[] = [];
  let doc: Doc = { start: 0, startLine: 1, plain: true, content: false };
  const close = (end: number) => {
    if (doc.content || !doc.plain) heads.push({ ...doc, end });
  };
  let lineNo = 0;
  for (let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; pos < text.length; ) {
    const nl = text.indexOf('\n', pos);
    const next = nl < 0 ? text.length : nl + 1;
    let line = text.slice(pos, nl < 0 ? text.length : nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    lineNo++;
    const marker = documentMarker(line);
    if (marker === 'start') {
      close(pos);
      const rest = line.slice(3).trim();
      doc = { start: pos, startLine: lineNo, plain: rest === '' || rest.startsWith('#'), content: false };
    } else if (marker === 'end') {
      close(pos);
      doc = { start: next, startLine: lineNo + 1, plain: true, content: false };
    } else if (line.startsWith('%')) {
      return undefined;
    } else {
      readLine(doc, line, lineNo);
    }
    pos = next;
  }
  close(text.length);
  return heads;
}

function documentMarker(line: string): 'start' | 'end' | undefined {
  if (line.length < 3) return undefined;
  const head = line.slice(0, 3);
  if (head !== '---' && head !== '...') return undefined;
  if (line.length > 3 && line[3] !== ' ' && line[3] !== '\t') return undefined;
  return head === '---' ? 'start' : 'end';
}

function readLine(doc: Doc, line: string, lineNo: number): void {
  const first = line[0];
  if (first === undefined || first === '#') return;
  if (first === ' ') {
    // An indented line before any top-level key: the root is not a block mapping at column 0.
    if (!doc.content && line.trim() !== '' && !line.trim().startsWith('#')) doc.plain = false;
    return;
  }
  doc.content = true;
  if (!doc.plain) return;
  const m = TOP_KEY.exec(line);
  if (!m) {
    doc.plain = false;
    return;
  }
  const key = m[1] as string;
  const value = m[2] ?? '';
  if (key === 'apiVersion' || key === 'kind') {
    const scalar = singleLineScalar(value);
    if (scalar === undefined || doc[key] !== undefined) {
      doc.plain = false;
      return;
    }
    doc[key] = scalar;
    if (key === 'apiVersion') doc.line = lineNo;
    if (key === 'kind' && scalar.endsWith('List')) doc.plain = false;
  } else if (!closedOnLine(value)) {
    doc.plain = false;
  }
}

function singleLineScalar(value: string): string | undefined {
  const m = PLAIN_SCALAR.exec(value) ?? DOUBLE_QUOTED.exec(value) ?? SINGLE_QUOTED.exec(value);
  return m?.[1];
}

/** Whether a top-level value cannot run on into the following lines (an open quote or flow collection could). */
function closedOnLine(value: string): boolean {
  const c = value[0];
  if (c === '"') return /^"(?:[^"\\]|\\.)*"/.test(value);
  if (c === "'") return /^'(?:[^']|'')*'/.test(value);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (const ch of value) {
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') depth--;
      else if (ch === '"' || ch === "'") return false;
    }
    return depth === 0;
  }
  return true;
}
