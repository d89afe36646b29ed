// Unit tests for Kubernetes resource quantities: parsing to base units, milli-units and formatting back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Quantity, formatBytes, formatMilliCpu } from '../../../src/lib/quantity.ts';

const Ki = 1024;
const Mi = Ki * 1024;
const Gi = Mi * 1024;

test('Quantity.parse reads CPU amounts in cores', () => {
  assert.equal(Quantity.parse('500m').value, 0.5);
  assert.equal(Quantity.parse('2').value, 2);
  assert.equal(Quantity.parse('0.1').value, 0.1);
  assert.equal(Quantity.parse(2).value, 2);
});

test('Quantity.parse reads binary suffixes', () => {
  assert.equal(Quantity.parse('512Mi').value, 512 * Mi);
  assert.equal(Quantity.parse('32Gi').value, 32 * Gi);
  assert.equal(Quantity.parse('1.5Gi').value, 1.5 * Gi);
  assert.equal(Quantity.parse('64Ki').value, 64 * Ki);
});

test('Quantity.parse reads decimal suffixes and exponents', () => {
  assert.equal(Quantity.parse('100M').value, 100_000_000);
  assert.equal(Quantity.parse('1k').value, 1000);
  assert.equal(Quantity.parse('1e3').value, 1000);
  assert.equal(Quantity.parse('1E3').value, 1000);
  assert.equal(Quantity.parse('5e-1').value, 0.5);
});

test('milli gives milli-units', () => {
  assert.equal(Quantity.parse('500m').milli, 500);
  assert.equal(Quantity.parse('2').milli, 2000);
  assert.equal(Quantity.parse('1.5').milli, 1500);
  assert.equal(Quantity.parse('0.1').milli, 100);
  assert.equal(Quantity.parse('250m').milli, 250);
});

test('milli rounds sub-milli amounts up, as Kubernetes does for CPU requests', () => {
  assert.equal(Quantity.parse('0.0001').milli, 1);
  assert.equal(Quantity.parse('1500u').milli, 2);
});

test('a quantity keeps the text it was written as', () => {
  assert.equal(Quantity.parse('512Mi').toString(), '512Mi');
  assert.equal(Quantity.parse(' 1e3 ').toString(), '1e3');
  assert.equal(JSON.stringify({ memory: Quantity.parse('32Gi') }), '{"memory":"32Gi"}');
});

for (const bad of ['eight', '', '5 Gi', '1KB', 'Gi', '1.2.3', '10x']) {
  test(`Quantity.parse rejects ${JSON.stringify(bad)} with a message that shows how to write one`, () => {
    assert.throws(
      () => Quantity.parse(bad),
      (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.equal(e.message, `"${bad}" is not a quantity; write a number with an optional suffix, such as 500m, 2, 512Mi or 32Gi`);
        return true;
      },
    );
  });
}

test('formatMilliCpu writes whole cores without a suffix and the rest in milli-cores', () => {
  assert.equal(formatMilliCpu(8000), '8');
  assert.equal(formatMilliCpu(500), '500m');
  assert.equal(formatMilliCpu(1500), '1500m');
  assert.equal(formatMilliCpu(0), '0');
});

test('formatBytes uses the largest binary unit that divides the amount', () => {
  assert.equal(formatBytes(32 * Gi), '32Gi');
  assert.equal(formatBytes(512 * Mi), '512Mi');
  assert.equal(formatBytes(1536 * Mi), '1536Mi');
  assert.equal(formatBytes(Ki), '1Ki');
  assert.equal(formatBytes(1000), '1000');
  assert.equal(formatBytes(0), '0');
});

test('formatBytes output parses back to the same number of bytes', () => {
  for (const bytes of [32 * Gi, 1536 * Mi, 3 * Ki, 1000, 2 ** 40]) {
    assert.equal(Quantity.parse(formatBytes(bytes)).value, bytes);
  }
});
