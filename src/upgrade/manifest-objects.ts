// Kubernetes objects in YAML or JSON text through the full YAML parser, each with the line of its
// apiVersion: multi-document files, `kind: List` (and other *List kinds) with their items. Documents
// that are not Kubernetes objects are left out; documents that do not parse are reported.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, YAMLMap } from 'yaml';

export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly line: number;
}

export interface UnreadableDocument {
  readonly line: number;
  readonly message: string;
}

export interface ParsedManifests {
  readonly objects: ManifestObject[];
  readonly unreadable: UnreadableDocument[];
}

/** The objects in `text`; lines count from `firstLine` (the text may be a slice of a file). */
export function objectsInText(text: string, firstLine = 1): ParsedManifests {
  const lines = new LineCounter();
  const objects: ManifestObject[] = [];
  const unreadable: UnreadableDocument[] = [];
  const lineOf = (offset: number | undefined) => lines.linePos(offset ?? 0).line + firstLine - 1;
  for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, logLevel: 'silent', uniqueKeys: true })) {
    const error = doc.errors[0];
    if (error) {
      unreadable.push({ line: lineOf(error.pos[0]), message: error.message.split('\n')[0] ?? error.message });
      continue;
    }
    readDocument(doc, lineOf, objects, unreadable);
  }
  return { objects, unreadable };
}

type LineOf = (offset: number | undefined) => number;

function readDocument(doc: Document.Parsed, lineOf: LineOf, objects: ManifestObject[], unreadable: UnreadableDocument[]): void {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e: unknown) {
    unreadable.push({ line: lineOf(doc.contents?.range?.[0]), message: e instanceof Error ? e.message : String(e) });
    return;
  }
  const root = doc.contents;
  const head = objectHead(value);
  if (!head || !isMap(root)) return;
  const items = (value as { items?: unknown }).items;
  const itemNodes = root.get('items', true);
  if (head.kind.endsWith('List') && Array.isArray(items) && isSeq(itemNodes)) {
    items.forEach((item, i) => {
      const node = itemNodes.items[i];
      const itemHead = objectHead(item);
      if (itemHead) objects.push({ ...itemHead, line: lineOf(keyOffset(isMap(node) ? node : undefined)) });
    });
    return;
  }
  objects.push({ ...head, line: lineOf(keyOffset(root)) });
}

/** apiVersion, kind, namespace and name of a plain value, if it looks like a Kubernetes object. */
function objectHead(value: unknown): Omit<ManifestObject, 'line'> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return undefined;
  const meta = typeof o.metadata === 'object' && o.metadata !== null ? (o.metadata as { name?: unknown; namespace?: unknown }) : {};
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
  };
}

/** Offset of the apiVersion key of a mapping, else of the mapping. */
function keyOffset(map: YAMLMap | undefined): number | undefined {
  if (!map) return undefined;
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === 'apiVersion') return pair.key.range?.[0];
  }
  return map.range?.[0];
}
