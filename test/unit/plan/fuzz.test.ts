// Fuzzed plan files: examples/plans/demo.yaml mutated by fast-check (characters deleted, inserted and replaced,
// lines duplicated and dropped, values retyped, unknown keys, flow and quote characters swapped) is either
// accepted or rejected with file:line:column on every line, and the CLI exits 2 on it without a stack trace.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { main } from '../../../src/cli/main.ts';
import type { Io } from '../../../src/cli/command.ts';
import { UserError } from '../../../src/lib/errors.ts';
import { parsePlan } from '../../../src/plan/load.ts';

const DEMO_PATH = fileURLToPath(new URL('../../../examples/plans/demo.yaml', import.meta.url));
const DEMO = readFileSync(DEMO_PATH, 'utf8');
const FILE = 'examples/plans/demo.yaml';
/** One problem per line: `file:line:column: what`. */
const POSITIONED = /^[^:]+:\d+:\d+: .+/;
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);

// ------------------------------------------------------------------------------------------- mutations

type Mutation =
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'replace'; readonly at: number; readonly text: string }
  | { readonly kind: 'duplicate-line'; readonly line: number }
  | { readonly kind: 'drop-line'; readonly line: number }
  | { readonly kind: 'retype-value'; readonly which: number; readonly value: string }
  | { readonly kind: 'unknown-key'; readonly line: number; readonly indent: number; readonly key: string }
  | { readonly kind: 'swap-flow'; readonly which: number; readonly to: string };

/** Characters that mean something to YAML, and a few that do not. */
const YAML_CHARS = [...'{}[],:"\'#-!&*|>%@?`\t\n \\', 'a', 'Z', '0', '9', '.', '/', 'é'];
const FLOW_AND_QUOTES = ['{', '}', '[', ']', '"', "'"];
/** Other types (and other YAML notations) for a value. */
const VALUES = ['42', '-1', '3.5', '0', 'true', 'false', 'null', '~', '[]', '{}', '[a, b]', '{x: 1}', '""', "'x'", '10m', '150%', '2026-01-01', '.inf', '0x1F', '!!binary aGk=', '!custom x', '*missing', '&anchor x', '|\n  block text', '"unterminated', 'a: b', '- item'];
/** Values too large, negative or out of range for any field: each is refused with a position, never accepted as written. */
const OVERSIZED = ['100000000', '99999999999999999999h', '577h', '-512Mi', '180%', '1e400', '-3', '"{{node.nmae}}"'];
const KEYS = ['colour', 'tpye', 'maxUnavailble', 'timout', 'spec', 'name', 'phases', 'x-extra', '"quoted key"', '? complex'];

const snippet = fc.string({ unit: fc.constantFrom(...YAML_CHARS), minLength: 1, maxLength: 4 });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: snippet }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: snippet }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('drop-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('retype-value' as const), which: fc.nat(), value: fc.constantFrom(...VALUES, ...OVERSIZED) }),
  fc.record({ kind: fc.constant('unknown-key' as const), line: fc.nat(), indent: fc.integer({ min: 0, max: 10 }), key: fc.oneof(fc.constantFrom(...KEYS), fc.stringMatching(/^[a-z][a-zA-Z]{0,8}$/)) }),
  fc.record({ kind: fc.constant('swap-flow' as const), which: fc.nat(), to: fc.constantFrom(...FLOW_AND_QUOTES) }),
);

/** One to three mutations of the demo plan, applied in order. */
const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });

/** Positions of the values after `key: ` (plain words or quoted strings) in `text`. */
function valueSpans(text: string): { start: number; end: number }[] {
  return [...text.matchAll(/(?<=: )("[^"\n]*"|[^\s,{}[\]#"]+)/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

function flowChars(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) if (FLOW_AND_QUOTES.includes(text[i] as string)) out.push(i);
  return out;
}

function mutate(text: string, m: Mutation): string {
  const pos = (n: number) => n % (text.length + 1);
  const lines = text.split('\n');
  const line = (n: number) => n % lines.length;
  switch (m.kind) {
    case 'delete':
      return text.slice(0, pos(m.at)) + text.slice(pos(m.at) + m.length);
    case 'insert':
      return text.slice(0, pos(m.at)) + m.text + text.slice(pos(m.at));
    case 'replace':
      return text.slice(0, pos(m.at)) + m.text + text.slice(pos(m.at) + m.text.length);
    case 'duplicate-line':
      return [...lines.slice(0, line(m.line) + 1), ...lines.slice(line(m.line))].join('\n');
    case 'drop-line':
      return lines.filter((_, i) => i !== line(m.line)).join('\n');
    case 'retype-value': {
      const spans = valueSpans(text);
      const span = spans[m.which % Math.max(1, spans.length)];
      return span ? text.slice(0, span.start) + m.value + text.slice(span.end) : text;
    }
    case 'unknown-key': {
      const at = m.line % (lines.length + 1);
      return [...lines.slice(0, at), `${' '.repeat(m.indent)}${m.key}: 1`, ...lines.slice(at)].join('\n');
    }
    case 'swap-flow': {
      const spots = flowChars(text);
      const at = spots[m.which % Math.max(1, spots.length)];
      return at === undefined ? text : text.slice(0, at) + m.to + text.slice(at + 1);
    }
  }
}

function mutated(ms: readonly Mutation[]): string {
  return ms.reduce(mutate, DEMO);
}

// --------------------------------------------------------------------------------------------- verdicts

type Verdict = { readonly kind: 'accepted' } | { readonly kind: 'rejected'; readonly lines: readonly string[] };

/** parsePlan's answer; anything thrown that is not a UserError fails the test with its stack. */
function judge(text: string): Verdict {
  try {
    parsePlan(FILE, text);
    return { kind: 'accepted' };
  } catch (e: unknown) {
    if (!(e instanceof UserError)) assert.fail(`parsePlan threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)} for:\n${text}`);
    return { kind: 'rejected', lines: e.message.split('\n') };
  }
}

function rejected(text: string): boolean {
  return judge(text).kind === 'rejected';
}

/** Every line is `file:line:column: what`, for this file, at a line the text has. */
function assertPositioned(lines: readonly string[], text: string): void {
  const lastLine = text.split('\n').length;
  for (const l of lines) {
    assert.match(l, POSITIONED, `not file:line:column: ${JSON.stringify(l)}`);
    const [, line, column] = /^[^:]+:(\d+):(\d+): /.exec(l) ?? [];
    assert.ok(l.startsWith(`${FILE}:`), `names the file: ${l}`);
    assert.ok(Number(line) >= 1 && Number(line) <= lastLine, `line within the file: ${l}`);
    assert.ok(Number(column) >= 1, `column from 1: ${l}`);
  }
}

// ------------------------------------------------------------------------------------------------ tests

test('the mutations work on the demo plan, which itself is accepted', () => {
  // Given the demo plan as shipped
  assert.equal(judge(DEMO).kind, 'accepted');
  // Then each kind of mutation changes it as described
  assert.equal(mutate('ab: c\n', { kind: 'delete', at: 1, length: 1 }), 'a: c\n');
  assert.equal(mutate('ab: c\n', { kind: 'insert', at: 2, text: '{' }), 'ab{: c\n');
  assert.equal(mutate('ab: c\n', { kind: 'replace', at: 0, text: 'x' }), 'xb: c\n');
  assert.equal(mutate('a: 1\nb: 2', { kind: 'duplicate-line', line: 1 }), 'a: 1\nb: 2\nb: 2');
  assert.equal(mutate('a: 1\nb: 2', { kind: 'drop-line', line: 0 }), 'b: 2');
  assert.equal(mutate('a: 1\nb: "two"', { kind: 'retype-value', which: 1, value: '[]' }), 'a: 1\nb: []');
  assert.equal(mutate('a: 1\nb: 2', { kind: 'unknown-key', line: 1, indent: 2, key: 'zz' }), 'a: 1\n  zz: 1\nb: 2');
  assert.equal(mutate('a: {b: "c"}', { kind: 'swap-flow', which: 1, to: '[' }), 'a: {b: [c"}');
});

test('a fuzzed plan is accepted, or rejected with file:line:column on every line and never another error', (t: TestContext) => {
  t.diagnostic(`fast-check seed ${SEED} (rerun with FC_SEED=${SEED})`);
  const seen = { accepted: 0, rejected: 0 };
  fc.assert(
    fc.property(mutations, (ms) => {
      // Given the demo plan with one to three mutations
      const text = mutated(ms);
      // When parsePlan reads it
      const verdict = judge(text);
      // Then it is accepted, or every line of the error says where
      seen[verdict.kind]++;
      if (verdict.kind === 'rejected') assertPositioned(verdict.lines, text);
    }),
    { numRuns: Math.max(600, Number(process.env.FUZZ_RUNS ?? 600)), seed: SEED },
  );
  t.diagnostic(`${seen.rejected} rejected, ${seen.accepted} accepted`);
  assert.ok(seen.rejected >= 200 && seen.accepted >= 20, `both outcomes are exercised: ${JSON.stringify(seen)}`);
});

test('on a fuzzed plan that is rejected, plan and run exit 2 with daylight: and a position, never a stack trace', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-fuzz-'));
  t.diagnostic(`fast-check seed ${SEED}`);
  try {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutations.filter((ms) => rejected(mutated(ms))), async (ms) => {
        // Given a mutated plan file that parsePlan rejects
        const file = join(dir, `plan-${n++}.yaml`);
        await writeFile(file, mutated(ms));
        for (const argv of [['plan', '-f', file], ['run', '-f', file, '--state-dir', join(dir, 'state')]]) {
          // When the user runs daylight plan or daylight run on it
          const printed = capture();
          const code = await main(argv, printed.io);
          // Then it exits 2 with a message that says where, and no stack trace
          const err = printed.err.join('\n');
          assert.equal(code, 2, `${argv[0]}: exit code\n${err}`);
          assert.ok(err.startsWith('daylight: '), err);
          assert.match(err, new RegExp(`${escape(file)}:\\d+:\\d+: `));
          assert.doesNotMatch(err, /^\s+at /m, 'no stack trace');
          assert.deepEqual(printed.out, [], 'nothing on stdout');
        }
      }),
      { numRuns: 40, seed: SEED },
    );
    t.diagnostic(`${n} rejected plan files run through plan and run`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** The demo plan with `from` replaced by `to` (once; the text must hold it). */
function demoWith(from: string, to: string): string {
  assert.ok(DEMO.includes(from), `the demo plan holds ${from}`);
  return DEMO.replace(from, to);
}

test('oversized, negative and impossible values: plan and preflight exit 2 within 10 s, at the value, with the fix', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-oversized-'));
  const cases: Record<string, { text: string; says: RegExp }> = {
    'endless timeout': { text: demoWith('ready: {timeout: 10m}', 'ready: {timeout: 99999999999999999999h}'), says: /ready\.timeout: "99999999999999999999h" is longer than 24 days; write a duration up to 576h/ },
    'over 100%': { text: demoWith('maxUnavailable: 25%', 'maxUnavailable: 120%'), says: /maxUnavailable: "120%" is over 100%; use an integer or a percentage up to 100%/ },
    'more nodes than any cluster': { text: demoWith('maxUnavailable: 25%', 'maxUnavailable: 100000000'), says: /maxUnavailable: 100000000 is more nodes than any cluster has/ },
    'negative canary': { text: demoWith('canary: 1', 'canary: -1'), says: /canary: -1 is below 0; use a whole number from 0 to 100,000/ },
    'restore step over 100': { text: demoWith('steps: [10, 50, 100]', 'steps: [10, 50, 180]'), says: /steps\[2\]: 180 is over 100; use a whole number from 1 to 100/ },
    'sandbox capacity without the sandbox balancer': { text: demoWith('provider: sandbox', 'provider: manual'), says: /capacity\.type: capacity type "sandbox" measures the sandbox's own balancer and never passes with provider manual/ },
    'unknown name in a node command': { text: demoWith('action: {type: agent, operation: patch}', 'action: {type: command, run: "ssh {{node.nmae}} sudo reboot"}'), says: /action\.run: "ssh \{\{node\.nmae\}\} sudo reboot" uses \{\{node\.nmae\}\}, which is not a known variable/ },
  };
  try {
    for (const [name, { text, says }] of Object.entries(cases)) {
      // Given a plan file with the value in it
      const file = join(dir, `${name.replaceAll(' ', '-')}.yaml`);
      await writeFile(file, text);
      for (const argv of [['plan', '-f', file], ['preflight', '-f', file]]) {
        // When the user runs daylight plan or preflight on it
        const printed = capture();
        const started = performance.now();
        const code = await main(argv, printed.io);
        const ms = performance.now() - started;
        // Then it exits 2 quickly, saying where and what to write instead
        const err = printed.err.join('\n');
        assert.equal(code, 2, `${name}, ${argv[0]}: exit code\n${err}`);
        assert.ok(ms < 10_000, `${name}, ${argv[0]}: took ${Math.round(ms)} ms`);
        assert.match(err, new RegExp(`^daylight: ${escape(file)}:\\d+:\\d+: `), `${name}, ${argv[0]}`);
        assert.match(err, says, `${name}, ${argv[0]}`);
        assert.doesNotMatch(err, /^\s+at /m, 'no stack trace');
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** An Io that keeps what a command prints, as a terminal would show it. */
function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => void out.push(t), err: (t) => void err.push(t), isTty: false }, out, err };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
