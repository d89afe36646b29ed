// The folders of src/ are the architecture (docs/architecture.md): each may import only the folders its row
// of the layer table names, and no chain of imports between folders comes back to where it started. Every
// import counts, `import type` included: a type-only edge does not load code, but it couples the two
// folders all the same, and a type cycle is where a runtime cycle starts. The imports are read with
// TypeScript's own scanner (`ts.preProcessFile`), so `import`, `import type`, `export ... from` and
// dynamic `import()` are all seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve(import.meta.dirname, '../../../src');

/**
 * Folder → the folders it may import (its own files always). Kept in step with the table of
 * docs/architecture.md. `cli` is the composition root and may import everything.
 */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  lib: [],
  plan: ['lib'],
  // the engine's ports (src/engine/ports/): what the engine needs, in its own words; adapters implement them
  'engine/ports': ['plan', 'lib'],
  kube: ['engine/ports', 'lib'],
  traffic: ['engine/ports', 'lib'],
  // the journal port's adapters (the JSONL file; ConfigMaps in the API server, through kube), their read
  // functions and the head anchor
  journal: ['engine/ports', 'kube', 'lib'],
  sandbox: ['lib'],
  // the node agent (`daylight agent`, one per node): it talks to its own Node and its host, not to the engine
  agent: ['engine/ports', 'kube', 'lib'],
  preflight: ['engine/ports', 'plan', 'kube', 'lib'],
  planner: ['engine/ports', 'plan', 'preflight', 'kube', 'lib'],
  checks: ['engine/ports', 'plan', 'kube', 'lib'],
  upgrade: ['engine/ports', 'kube', 'lib'],
  platform: ['engine/ports', 'plan', 'kube', 'checks', 'lib'],
  // the engine imports no adapter: what it needs of kube, traffic, checks, platform and upgrade it asks
  // through engine/ports, which they implement.
  engine: ['engine/ports', 'planner', 'preflight', 'plan', 'lib'],
  notify: ['engine', 'engine/ports', 'planner', 'plan', 'lib'],
  report: ['engine', 'engine/ports', 'journal', 'preflight', 'plan', 'lib'],
  server: ['engine', 'engine/ports', 'journal', 'report', 'preflight', 'plan', 'lib'],
  // the CustomResourceDefinitions, generated from the plan's zod schema and the run's
  crd: ['plan', 'lib'],
  // the in-cluster controller's parts: leader election over the Lease port, plans' schedules
  controller: ['engine/ports', 'planner', 'plan', 'lib'],
  cli: ['engine', 'engine/ports', 'journal', 'report', 'server', 'notify', 'platform', 'upgrade', 'checks', 'traffic', 'kube', 'planner', 'preflight', 'plan', 'sandbox', 'agent', 'controller', 'crd', 'lib'],
};

interface Edge {
  readonly from: string;
  readonly to: string;
  /** file:line of the import, relative to src/. */
  readonly where: string;
  readonly specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer a file belongs to: its top folder, except the engine's ports, a layer of their own. */
function topFolder(file: string): string {
  const rel = relative(SRC, file);
  if (rel.startsWith('engine/ports/')) return 'engine/ports';
  return rel.split('/')[0] ?? '';
}

let scanned: Edge[] | undefined;

/** Every import from one top folder of src/ into another (scanned once per test file). */
function folderEdges(): Edge[] {
  if (scanned) return scanned;
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue; // packages and node: builtins
      const target = resolve(dirname(file), imported.fileName);
      const from = topFolder(file);
      const to = relative(SRC, target).startsWith('..') ? '(outside src)' : topFolder(target);
      if (from === to) continue;
      const line = text.slice(0, imported.pos).split('\n').length;
      edges.push({ from, to, where: `src/${relative(SRC, file)}:${line}`, specifier: imported.fileName });
    }
  }
  scanned = edges;
  return edges;
}

/** One message per import the table does not allow. */
function layerViolations(edges: readonly Edge[], layers: Readonly<Record<string, readonly string[]>>): string[] {
  return edges.flatMap((e) => {
    const allowed = layers[e.from];
    if (allowed === undefined) return [`${e.where}: src/${e.from}/ is not in the layer table; give it a row before importing '${e.specifier}'`];
    if (allowed.includes(e.to)) return [];
    return [`${e.where}: src/${e.from}/ may not import src/${e.to}/ ('${e.specifier}'); ${e.from} may import: ${allowed.join(', ') || 'nothing of ours'}`];
  });
}

/** The first cycle between folders, as the imports that close it, or undefined. */
function folderCycle(edges: readonly Edge[]): Edge[] | undefined {
  const out = new Map<string, Edge[]>();
  for (const e of edges) if (!(out.get(e.from) ?? []).some((x) => x.to === e.to)) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const done = new Set<string>();
  const path: Edge[] = [];
  const onPath = new Set<string>();
  const visit = (folder: string): Edge[] | undefined => {
    if (done.has(folder)) return undefined;
    onPath.add(folder);
    for (const e of out.get(folder) ?? []) {
      path.push(e);
      if (onPath.has(e.to)) return path.slice(path.findIndex((p) => p.from === e.to));
      const found = visit(e.to);
      if (found) return found;
      path.pop();
    }
    onPath.delete(folder);
    done.add(folder);
    return undefined;
  };
  for (const folder of [...out.keys()].sort()) {
    const found = visit(folder);
    if (found) return found;
  }
  return undefined;
}

function cycleText(cycle: readonly Edge[]): string {
  return cycle.map((e) => `src/${e.from}/ → src/${e.to}/ (${e.where} '${e.specifier}')`).join('; ');
}

test('every import between folders of src/ is one the layer table allows', () => {
  // Given every import of every file under src/
  const edges = folderEdges();
  assert.ok(edges.length > 100, `the scanner found only ${edges.length} imports between folders`);
  // When each is checked against its folder's row
  const violations = layerViolations(edges, LAYERS);
  // Then none breaks the table
  assert.deepEqual(violations, [], `imports that break the layer table (docs/architecture.md):\n${violations.join('\n')}`);
});

test('no chain of imports between folders of src/ comes back to its start, type-only imports included', () => {
  // Given the folder graph the imports make
  const cycle = folderCycle(folderEdges());
  // Then it has no cycle
  assert.equal(cycle, undefined, cycle && `folder cycle: ${cycleText(cycle)}`);
});

test('the layer table itself has no cycle, so a change to it cannot allow one', () => {
  // Given the table as edges
  const edges = Object.entries(LAYERS).flatMap(([from, tos]) => tos.map((to) => ({ from, to, where: 'table', specifier: '' })));
  // Then it is acyclic and names only folders it has rows for
  const cycle = folderCycle(edges);
  assert.equal(cycle, undefined, cycle && `the table allows a cycle: ${cycleText(cycle)}`);
  for (const e of edges) assert.ok(e.to in LAYERS, `src/${e.from}/ may import src/${e.to}/, which has no row`);
});

test('the checks name the file, the line and the rule an import breaks', () => {
  // Given an engine file that imports notify, and notify importing the engine back
  const edges: Edge[] = [
    { from: 'engine', to: 'notify', where: 'src/engine/events.ts:6', specifier: '../notify/hooks.ts' },
    { from: 'notify', to: 'engine', where: 'src/notify/slack.ts:7', specifier: '../engine/events.ts' },
  ];
  // When they are checked
  const violations = layerViolations(edges, LAYERS);
  const cycle = folderCycle(edges);
  // Then the layer break names where it is and what engine may import, and the cycle is found
  assert.equal(violations.length, 1);
  assert.match(violations[0] ?? '', /^src\/engine\/events\.ts:6: src\/engine\/ may not import src\/notify\/ \('\.\.\/notify\/hooks\.ts'\); engine may import: engine\/ports, planner, /);
  assert.ok(cycle);
  assert.match(cycleText(cycle), /src\/engine\/ → src\/notify\/ \(src\/engine\/events\.ts:6.*src\/notify\/ → src\/engine\//);
  assert.deepEqual(layerViolations([{ from: 'newfolder', to: 'lib', where: 'src/newfolder/a.ts:1', specifier: '../lib/x.ts' }], LAYERS), [
    "src/newfolder/a.ts:1: src/newfolder/ is not in the layer table; give it a row before importing '../lib/x.ts'",
  ]);
});
