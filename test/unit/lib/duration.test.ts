// Unit tests for Go-style durations as plan and fleet files write them, and for kubectl-style ages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../src/lib/duration.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

test('Duration.parse reads single-unit durations', () => {
  assert.equal(Duration.parse('30s').ms, 30 * SECOND);
  assert.equal(Duration.parse('10m').ms, 10 * MINUTE);
  assert.equal(Duration.parse('250ms').ms, 250);
  assert.equal(Duration.parse('2h').ms, 2 * HOUR);
});

test('Duration.parse adds up compound durations', () => {
  assert.equal(Duration.parse('1h30m').ms, HOUR + 30 * MINUTE);
  assert.equal(Duration.parse('1m30s500ms').ms, MINUTE + 30 * SECOND + 500);
});

test('Duration.parse accepts fractions', () => {
  assert.equal(Duration.parse('1.5h').ms, HOUR + 30 * MINUTE);
  assert.equal(Duration.parse('0.5s').ms, 500);
});

test('Duration.parse accepts a bare "0" and surrounding whitespace', () => {
  assert.equal(Duration.parse('0').ms, 0);
  assert.equal(Duration.parse('  45s \n').ms, 45 * SECOND);
});

test('seconds gives the duration in seconds', () => {
  assert.equal(Duration.parse('1m30s').seconds, 90);
  assert.equal(Duration.ofSeconds(2.5).ms, 2500);
  assert.equal(Duration.ofMs(750).seconds, 0.75);
});

for (const bad of ['10', 'ten', '5d', '1h 30m', '-5s', 'h', '']) {
  test(`Duration.parse rejects ${JSON.stringify(bad)} with a message that says how to write a duration`, () => {
    assert.throws(
      () => Duration.parse(bad),
      (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.ok(e.message.startsWith(`"${bad}" is not a duration;`), e.message);
        assert.match(e.message, /write a number with a unit, such as 30s, 10m or 1h30m/);
        return true;
      },
    );
  });
}

test('the message for an unknown unit lists the units there are', () => {
  assert.throws(() => Duration.parse('5d'), { message: /\(units: ms, s, m, h\)/ });
});

test('toString writes the shortest Go-style text', () => {
  assert.equal(Duration.parse('30s').toString(), '30s');
  assert.equal(Duration.parse('90m').toString(), '1h30m');
  assert.equal(Duration.parse('1.5h').toString(), '1h30m');
  assert.equal(Duration.parse('1h0m30s').toString(), '1h30s');
  assert.equal(Duration.parse('1500ms').toString(), '1.5s');
  assert.equal(Duration.parse('250ms').toString(), '250ms');
  assert.equal(Duration.parse('0').toString(), '0s');
});

test('toString round-trips through parse', () => {
  for (const text of ['30s', '10m', '1h30m', '250ms', '1.5h', '0', '2h45m10s', '1m0.5s', '36h']) {
    const d = Duration.parse(text);
    assert.equal(Duration.parse(d.toString()).ms, d.ms, text);
  }
});

test('JSON writes the duration as its text', () => {
  assert.equal(JSON.stringify({ timeout: Duration.parse('10m') }), '{"timeout":"10m"}');
});

test('Duration.parse refuses what a timer cannot wait: more than 24 days, or a number too large to hold', () => {
  assert.equal(Duration.parse('576h').ms, 24 * 24 * HOUR);
  assert.throws(() => Duration.parse('577h'), { name: 'RangeError', message: '"577h" is longer than 24 days; write a duration up to 576h' });
  assert.throws(() => Duration.parse('99999999999999999999h'), /is longer than 24 days; write a duration up to 576h$/);
  // A retention such as a backup's ttl is no timer of ours and takes its own, larger bound
  assert.equal(Duration.parse('720h', 365 * 24 * HOUR).ms, 720 * HOUR);
});
