// `daylight audit verify RUN` on journals the real Journal wrote: intact → exit 0 with the count and the
// last hash; an edited entry, a deleted entry, a line that is no entry or a moved entry → exit 1 naming
// the first bad entry (seq, line, what is wrong); a run that does not exist → exit 2 listing the runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../../src/cli/main.ts';
import { verifyJournal } from '../../../src/report/integrity.ts';
import { regionalRunEvents, tempState, writeRun } from './fixtures.ts';

async function daylight(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTty: false });
  return { code, out, err };
}

/** A run with 8 entries, whose journal `edit` changes as a list of lines. */
async function verifyEdited(edit: (lines: string[]) => string[]): Promise<{ code: number; out: string; err: string }> {
  const t = tempState();
  try {
    const paths = writeRun(t.dir, 'run-1', regionalRunEvents({ upTo: 8 }));
    const lines = readFileSync(paths.journal, 'utf8').split('\n').filter((l) => l !== '');
    writeFileSync(paths.journal, `${edit(lines).join('\n')}\n`);
    return await daylight(['audit', 'verify', 'run-1', '--state-dir', t.dir]);
  } finally {
    t.done();
  }
}

test('an intact journal: exit 0, the number of entries and the last hash', async () => {
  const t = tempState();
  try {
    const paths = writeRun(t.dir, 'run-1', regionalRunEvents());
    const lastHash = (JSON.parse(readFileSync(paths.journal, 'utf8').trim().split('\n').at(-1) as string) as { hash: string }).hash;
    const r = await daylight(['audit', 'verify', 'run-1', '--state-dir', t.dir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `run-1: chain intact: ${regionalRunEvents().length} entries, last hash ${lastHash}\n`);
    const json = await daylight(['audit', 'verify', 'run-1', '--state-dir', t.dir, '-o', 'json']);
    assert.equal(json.code, 0);
    assert.deepEqual({ ...JSON.parse(json.out), journal: undefined }, { runId: 'run-1', journal: undefined, ok: true, verified: regionalRunEvents().length, lines: regionalRunEvents().length, lastHash, lastSeq: regionalRunEvents().length });
  } finally {
    t.done();
  }
});

test('a node name edited in one entry: exit 1 naming that entry\'s seq and line as a hash mismatch', async () => {
  // Given line 8 (seq 8, the phase planned with its wave of node-a and node-b), node-a renamed
  const r = await verifyEdited((lines) => lines.map((l, i) => (i === 7 ? l.replace('"node-a"', '"node-z"') : l)));
  assert.equal(r.code, 1);
  assert.match(r.err, /chain broken at line 8 \(entry seq 8\): hash-mismatch: entry seq 8 \(line 8\): its content does not match its hash [0-9a-f]{12}…: the entry was edited after it was written; 7 entries before it verified/);
  assert.equal(r.out, '');
});

test('a deleted entry: exit 1 naming the entry after it as a seq gap', async () => {
  const r = await verifyEdited((lines) => lines.filter((_, i) => i !== 3));
  assert.equal(r.code, 1);
  assert.match(r.err, /chain broken at line 4 \(entry seq 5\): seq-gap: entry seq 5 \(line 4\) follows seq 3: entry 4 is missing \(deleted\)/);
});

test('the last entry deleted leaves an intact, shorter chain: the last hash is what anchors it', async () => {
  const r = await verifyEdited((lines) => lines.slice(0, -1));
  assert.equal(r.code, 0);
  assert.match(r.out, /chain intact: 7 entries, last hash [0-9a-f]{64}/);
});

test('a line that is no entry, and an entry whose link was rewritten, are named', async () => {
  const garbage = await verifyEdited((lines) => lines.map((l, i) => (i === 2 ? '{"seq":3,"oops"' : l)));
  assert.equal(garbage.code, 1);
  assert.match(garbage.err, /chain broken at line 3: unparseable-line: line 3 is not a journal entry \(not valid JSON\); entry seq 3 was expected there/);
  // An entry edited and its own hash recomputed: the next entry's link no longer matches
  const relinked = verifyJournal(`${['a', 'b'].map((x, i) => JSON.stringify({ seq: i + 1, at: 0, wall: 'w', runId: 'r', event: { type: 'run.succeeded' }, prev: (i === 0 ? '0' : x).repeat(64), hash: 'f'.repeat(64) })).join('\n')}\n`);
  assert.equal(relinked.chain.break?.kind, 'hash-mismatch');
  const swapped = await verifyEdited((lines) => [lines[0] as string, lines[2] as string, lines[1] as string, ...lines.slice(3)]);
  assert.equal(swapped.code, 1);
  assert.match(swapped.err, /line 2 \(entry seq 3\): seq-gap: entry seq 3 \(line 2\) follows seq 1: entry 2 is missing/);
});

test('a prev link that does not match the entry before is named as a prev mismatch', async () => {
  // Given entry 4 replaced by an entry of the same seq chained from elsewhere
  const r = await verifyEdited((lines) => lines.map((l, i) => {
    if (i !== 3) return l;
    const e = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify({ ...e, prev: 'b'.repeat(64) });
  }));
  assert.equal(r.code, 1);
  assert.match(r.err, /line 4 \(entry seq 4\): prev-mismatch: entry seq 4 \(line 4\) links to bbbbbbbbbbbb…, but the entry before it hashes to [0-9a-f]{12}…/);
});

test('a last line cut short by a crash is not tampering: the chain before it is intact', async () => {
  const t = tempState();
  try {
    const paths = writeRun(t.dir, 'run-1', regionalRunEvents({ upTo: 5 }));
    writeFileSync(paths.journal, `${readFileSync(paths.journal, 'utf8')}{"seq":6,"at":1`);
    const r = await daylight(['audit', 'verify', 'run-1', '--state-dir', t.dir]);
    assert.equal(r.code, 0);
    assert.match(r.out, /chain intact: 5 entries, last hash [0-9a-f]{64}; a last line cut short by a crash mid-write is not part of it/);
  } finally {
    t.done();
  }
});

test('a run that does not exist: exit 2 listing the runs there are; a wrong subcommand: exit 2 with the usage', async () => {
  const t = tempState();
  try {
    writeRun(t.dir, 'run-1', regionalRunEvents({ upTo: 3 }));
    writeRun(t.dir, 'run-2', regionalRunEvents({ upTo: 3 }));
    const r = await daylight(['audit', 'verify', 'run-9', '--state-dir', t.dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no run "run-9" in .*; runs there: run-1, run-2/);
    assert.doesNotMatch(r.err, /\n\s+at /);
    const sub = await daylight(['audit', 'check', 'run-1', '--state-dir', t.dir]);
    assert.equal(sub.code, 2);
    assert.match(sub.err, /unknown subcommand "check"; use: daylight audit verify RUN/);
  } finally {
    t.done();
  }
});
