// The deprecated-API scan over manifest files: files read a few at a time, each document's apiVersion
// and kind looked up in the table, and only documents that match (or that a line scan cannot read for
// sure) given to the full YAML parser for their names and lines.
import { readFile } from 'node:fs/promises';
import { mapLimit } from '../lib/concurrency.ts';
import { errnoCode } from '../lib/errors.ts';
import type { ApiIndex } from './api-index.ts';
import { scanObjects } from './api-scan.ts';
import type { ApiFinding, ScanSpan, ScannedObject } from './api-scan.ts';
import { manifestFiles } from './manifest-files.ts';
import { documentHeads } from './manifest-heads.ts';
import { objectsInText } from './manifest-objects.ts';
import type { ManifestObject } from './manifest-objects.ts';

/** Files read at once. */
const FILE_CONCURRENCY = 8;

export interface UnreadableManifest {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface ManifestScan {
  readonly files: number;
  /** Kubernetes objects seen (documents with an apiVersion and a kind, list items counted one by one). */
  readonly objects: number;
  readonly findings: ApiFinding[];
  /** Documents that are not valid YAML or JSON (Helm templates, for instance): not scanned. */
  readonly unreadable: UnreadableManifest[];
}

export interface ManifestScanOptions {
  readonly index: ApiIndex;
  readonly span: ScanSpan;
  readonly concurrency?: number;
}

/** Scans every manifest under `roots` (directories or files). */
export async function scanManifests(roots: readonly string[], o: ManifestScanOptions): Promise<ManifestScan> {
  return scanManifestFiles(await manifestFilesUnder(roots), o);
}

/** The manifest files under `roots`, in the order given; a root that is missing is a UserError. */
export async function manifestFilesUnder(roots: readonly string[]): Promise<string[]> {
  const lists = await mapLimit(roots, FILE_CONCURRENCY, (r) => manifestFiles(r));
  return [...new Set(lists.flat())];
}

/** Scans the given manifest files, a few at a time. */
export async function scanManifestFiles(files: readonly string[], o: ManifestScanOptions): Promise<ManifestScan> {
  const results = await mapLimit(files, o.concurrency ?? FILE_CONCURRENCY, async (file) => scanManifestText(file, await readText(file), o));
  return {
    files: files.length,
    objects: results.reduce((n, r) => n + r.objects, 0),
    findings: results.flatMap((r) => r.findings),
    unreadable: results.flatMap((r) => r.unreadable),
  };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e: unknown) {
    throw new Error(`read manifest ${file}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
}

/** Scans the text of one manifest file. */
export function scanManifestText(file: string, text: string, o: Pick<ManifestScanOptions, 'index' | 'span'>): Omit<ManifestScan, 'files'> {
  const parts = file.toLowerCase().endsWith('.json') ? jsonParts(text, o.index) : yamlParts(text, o.index);
  let objects = parts.quiet;
  const found: ScannedObject[] = [];
  const unreadable: UnreadableManifest[] = [];
  for (const part of parts.parse) {
    const parsed = objectsInText(part.text, part.firstLine);
    objects += parsed.objects.length;
    for (const m of parsed.objects) found.push(scanned(file, m));
    for (const u of parsed.unreadable) unreadable.push({ file, ...u });
  }
  return { objects, findings: scanObjects(found, o.index, o.span), unreadable };
}

interface Parts {
  /** Objects seen that need no more reading: no table row matches them. */
  readonly quiet: number;
  /** Text the full parser has to read, with the line it starts at. */
  readonly parse: { text: string; firstLine: number }[];
}

function yamlParts(text: string, index: ApiIndex): Parts {
  const heads = documentHeads(text);
  if (!heads) return { quiet: 0, parse: [{ text, firstLine: 1 }] };
  let quiet = 0;
  const parse: { text: string; firstLine: number }[] = [];
  for (const h of heads) {
    const isObject = h.apiVersion !== undefined && h.kind !== undefined;
    if (h.plain && (!isObject || !index.find(h.apiVersion as string, h.kind as string))) {
      if (isObject) quiet++;
    } else {
      parse.push({ text: text.slice(h.start, h.end), firstLine: h.startLine });
    }
  }
  return { quiet, parse };
}

/** JSON is read with JSON.parse; only a file with a match is read again by the YAML parser for its lines. */
function jsonParts(text: string, index: ApiIndex): Parts {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { quiet: 0, parse: [{ text, firstLine: 1 }] };
  }
  const heads = jsonObjects(value);
  if (heads.some((h) => index.find(h.apiVersion, h.kind))) return { quiet: 0, parse: [{ text, firstLine: 1 }] };
  return { quiet: heads.length, parse: [] };
}

function jsonObjects(value: unknown): { apiVersion: string; kind: string }[] {
  const head = asHead(value);
  if (!head) return [];
  const items = (value as { items?: unknown }).items;
  if (head.kind.endsWith('List') && Array.isArray(items)) return items.map(asHead).filter((h) => h !== undefined);
  return [head];
}

function asHead(v: unknown): { apiVersion: string; kind: string } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { apiVersion?: unknown; kind?: unknown };
  return typeof o.apiVersion === 'string' && typeof o.kind === 'string' ? { apiVersion: o.apiVersion, kind: o.kind } : undefined;
}

function scanned(file: string, m: ManifestObject): ScannedObject {
  return {
    apiVersion: m.apiVersion,
    kind: m.kind,
    ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
    name: m.name ?? '',
    source: { type: 'file', file, line: m.line },
  };
}
