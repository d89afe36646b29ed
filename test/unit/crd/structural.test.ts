// The conversion of a zod schema to the structural subset a CRD needs, one rule at a time, on small schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { StructuralError, structuralSchema, toStructural } from '../../../src/crd/structural.ts';
import { Duration } from '../../../src/lib/duration.ts';
import { duration, intOrPercent } from '../../../src/plan/values.ts';
import { structuralProblems } from './structural-rules.ts';

test('a discriminated union declares every field outside, the discriminator as one enum, and leaves each branch only its restrictions', () => {
  const action = z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('agent'), operation: z.enum(['reboot', 'patch']) }),
    z.strictObject({ type: z.literal('command'), run: z.string().min(1), max: z.number().max(5) }),
    z.strictObject({ type: z.literal('probe'), max: z.number().max(9) }),
  ]);
  const s = structuralSchema(action);
  assert.deepEqual(s, {
    type: 'object',
    required: ['type'],
    properties: {
      type: { type: 'string', enum: ['agent', 'command', 'probe'] },
      operation: { type: 'string', enum: ['reboot', 'patch'] },
      run: { type: 'string', minLength: 1 },
      // Where branches disagree, outside is what they share and each branch keeps its own limit
      max: { type: 'number' },
    },
    oneOf: [
      { properties: { type: { enum: ['agent'] } }, required: ['type', 'operation'], not: { anyOf: [{ required: ['run'] }, { required: ['max'] }] } },
      { properties: { type: { enum: ['command'] }, max: { maximum: 5 } }, required: ['type', 'run', 'max'], not: { anyOf: [{ required: ['operation'] }] } },
      { properties: { type: { enum: ['probe'] }, max: { maximum: 9 } }, required: ['type', 'max'], not: { anyOf: [{ required: ['operation'] }, { required: ['run'] }] } },
    ],
  });
  assert.deepEqual(structuralProblems(s), []);
});

test('an int-or-percent is x-kubernetes-int-or-string, its limits beside it (each applies to its own type)', () => {
  const s = structuralSchema(z.strictObject({ maxUnavailable: intOrPercent }));
  assert.deepEqual((s.properties as Record<string, unknown>).maxUnavailable, {
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    minimum: 0,
    maximum: 100_000,
    pattern: '^(100|[1-9]?[0-9])%$',
  });
});

test('a duration is a string with the pattern Duration.parse accepts, and its default is left to the parse', () => {
  const s = structuralSchema(z.strictObject({ timeout: duration('10m').default(Duration.parse('10m')) }));
  const timeout = (s.properties as Record<string, { pattern: string }>).timeout;
  assert.deepEqual(Object.keys(timeout ?? {}), ['type', 'pattern']);
  const re = new RegExp(timeout?.pattern ?? '');
  const parses = (text: string): boolean => {
    try {
      Duration.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  // The API server and the plan's parse agree on what a duration is
  for (const text of ['0', '30s', '1h30m', '250ms', '1.5h', '.5s', '10µs', '', '10', '10 m', '1d', 'm', '5m3', 'h1']) assert.equal(re.test(text), parses(text), text);
  assert.ok(re.test('1h30m') && !re.test('10'));
});

test('const becomes a one-value enum, additionalProperties: false is dropped, a map keeps its values, null becomes nullable', () => {
  const s = structuralSchema(z.strictObject({ kind: z.literal('Plan'), labels: z.record(z.string(), z.string()), note: z.string().nullable() }));
  assert.deepEqual(s, {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['Plan'] },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      note: { type: 'string', nullable: true },
    },
    required: ['kind', 'labels', 'note'],
  });
});

test('a $ref is written out where it is used; one that contains itself is refused', () => {
  const defs = { Window: { type: 'object', properties: { start: { type: 'string' } }, additionalProperties: false } };
  assert.deepEqual(toStructural({ type: 'object', properties: { a: { $ref: '#/$defs/Window' }, b: { $ref: '#/$defs/Window' } } }, defs, []), {
    type: 'object',
    properties: { a: { type: 'object', properties: { start: { type: 'string' } } }, b: { type: 'object', properties: { start: { type: 'string' } } } },
  });
  const loop = { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } };
  assert.throws(() => toStructural({ $ref: '#/$defs/Node' }, loop, []), (e: unknown) => e instanceof StructuralError && /next: Node contains itself/.test(e.message));
});

test('a union of types other than integer-or-string is refused with the path and what to add', () => {
  assert.throws(
    () => structuralSchema(z.strictObject({ spec: z.strictObject({ size: z.union([z.string(), z.boolean()]) }) })),
    (e: unknown) => e instanceof StructuralError && e.message.startsWith('spec.size: a union of string, boolean has no structural form; give the zod schema a writtenAs'),
  );
});
