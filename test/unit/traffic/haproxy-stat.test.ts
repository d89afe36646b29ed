// Parsers of HAProxy's runtime API output, over text captured from HAProxy 2.6.12 (test/fixtures/haproxy)
// and over the odd cases its CSV allows (quoted fields, columns in another order, refusals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { adminStateOf, parseServersState } from '../../../src/traffic/haproxy-servers-state.ts';
import { parseCsv, parseShowStat, parseWeight, responsesOf } from '../../../src/traffic/haproxy-stat.ts';
import { escapeArg, parseRuntimeAddress, runtimeCommand } from '../../../src/traffic/haproxy-runtime.ts';
import { TrafficError } from '../../../src/traffic/types.ts';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/haproxy/${name}`, import.meta.url), 'utf8');

test('show stat from HAProxy 2.6: rows by their header, with the counters a drain and a canary read', () => {
  // Given `show stat` captured after 11 requests, eu-west drained and eu-central set to 50%
  const rows = parseShowStat(fixture('show-stat-2.6.csv'));
  // Then every row is there, read by column name
  assert.deepEqual(rows.map((r) => `${r.pxname}/${r.svname}`), ['www/FRONTEND', 'global/eu-central', 'global/eu-west', 'global/BACKEND']);
  const central = rows.find((r) => r.svname === 'eu-central');
  const west = rows.find((r) => r.svname === 'eu-west');
  assert.ok(central && west);
  assert.equal(central.status, 'UP');
  assert.equal(central.weight, 50);
  assert.equal(central.uweight, 50);
  assert.equal(central.stot, 6);
  assert.equal(central.lbtot, 6);
  assert.equal(central.scur, 0);
  assert.equal(central.hrsp_2xx, 6);
  assert.equal(central.hrsp_5xx, 0);
  assert.equal(central.check_status, 'L7OK');
  assert.equal(central.req_tot, 6);
  assert.equal(responsesOf(central), 6);
  assert.equal(west.status, 'DRAIN');
  assert.equal(west.weight, 100, 'a drained server keeps its weight in the weight column');
  assert.equal(west.fields.addr?.startsWith('127.0.0.1:'), true);
  const front = rows.find((r) => r.svname === 'FRONTEND');
  assert.equal(front?.req_tot, 11);
  assert.equal(front?.status, 'OPEN');
  assert.equal(front?.weight, undefined, 'an empty field is absent, not 0');
  assert.equal('-' in (west.fields), false, "the '-' placeholder column is not a field");
});

test('show stat is read by header, not by position, and quoted fields keep their commas, quotes and line breaks', () => {
  // Given a table whose columns come in another order, with quoted text
  const text = [
    '# svname,pxname,status,scur,stot,last_chk,lbtot,',
    'a,be,UP,3,10,"HTTP status check returned code <3C>500<3E>, ""bad""",7,',
    'b,be,"DOWN 1/2",0,2,"line one',
    'line two",2,',
    '',
  ].join('\n');
  // When it is parsed
  const rows = parseShowStat(text);
  // Then the values land under their names
  assert.equal(rows.length, 2);
  assert.equal(rows[0]?.pxname, 'be');
  assert.equal(rows[0]?.svname, 'a');
  assert.equal(rows[0]?.scur, 3);
  assert.equal(rows[0]?.lbtot, 7);
  assert.equal(rows[0]?.fields.last_chk, 'HTTP status check returned code <3C>500<3E>, "bad"');
  assert.equal(rows[1]?.status, 'DOWN 1/2');
  assert.equal(rows[1]?.fields.last_chk, 'line one\nline two');
  assert.equal(rows[1]?.hrsp_2xx, undefined);
  assert.equal(responsesOf(rows[1] ?? rows[0]!), undefined, 'no HTTP counters in TCP mode');
});

test('parseCsv handles CRLF, empty fields and a trailing comma', () => {
  assert.deepEqual(parseCsv('a,,c,\r\n"x,y",2\r\n'), [['a', '', 'c', ''], ['x,y', '2']]);
});

test("show stat's refusals become TrafficErrors that quote HAProxy", () => {
  assert.throws(() => parseShowStat('No such proxy.\n\n'), (e: unknown) => e instanceof TrafficError && /No such proxy\./.test(e.message));
  assert.throws(() => parseShowStat('# pxname,svname,qcur\nbe,a,0\n'), /lacks the column\(s\) status, scur, stot/);
});

test('get weight: current and initial; a refusal is a TrafficError', () => {
  assert.deepEqual(parseWeight('50 (initial 100)\n\n'), { current: 50, initial: 100 });
  assert.deepEqual(parseWeight('0 (initial 1)'), { current: 0, initial: 1 });
  assert.throws(() => parseWeight('No such server.\n\n'), (e: unknown) => e instanceof TrafficError && /No such server\./.test(e.message));
});

test('show servers state from HAProxy 2.6: admin state and both weights', () => {
  const rows = parseServersState(fixture('show-servers-state-2.6.txt'));
  assert.deepEqual(rows.map((r) => [r.server, r.opState, adminStateOf(r.adminState), r.uweight, r.iweight]), [
    ['eu-central', 2, 'ready', 50, 100],
    ['eu-west', 2, 'drain', 100, 100],
  ]);
  assert.throws(() => parseServersState("Can't find backend.\n\n"), /Can't find backend\./);
});

test('admin state bits: maintenance wins over drain, inherited states count', () => {
  assert.equal(adminStateOf(0), 'ready');
  assert.equal(adminStateOf(0x08), 'drain');
  assert.equal(adminStateOf(0x10), 'drain');
  assert.equal(adminStateOf(0x01), 'maint');
  assert.equal(adminStateOf(0x01 | 0x08), 'maint');
  assert.equal(adminStateOf(0x20), 'maint');
  assert.equal(adminStateOf(0x40), 'ready', 'an FQDN set from the socket is not maintenance');
});

test('runtime API addresses: unix paths and TCP, and a clear refusal of anything else', () => {
  assert.deepEqual(parseRuntimeAddress('unix:///run/haproxy/admin.sock'), { kind: 'unix', path: '/run/haproxy/admin.sock' });
  assert.deepEqual(parseRuntimeAddress('/run/haproxy/admin.sock'), { kind: 'unix', path: '/run/haproxy/admin.sock' });
  assert.deepEqual(parseRuntimeAddress('unix@/tmp/a.sock'), { kind: 'unix', path: '/tmp/a.sock' });
  assert.deepEqual(parseRuntimeAddress('tcp://127.0.0.1:9999'), { kind: 'tcp', host: '127.0.0.1', port: 9999 });
  assert.deepEqual(parseRuntimeAddress('ipv4@127.0.0.1:9999'), { kind: 'tcp', host: '127.0.0.1', port: 9999 });
  assert.deepEqual(parseRuntimeAddress('ipv6@[::1]:9999'), { kind: 'tcp', host: '::1', port: 9999 });
  assert.throws(() => parseRuntimeAddress('http://127.0.0.1:9999'), (e: unknown) => e instanceof TrafficError && /unix:\/\/\/run\/haproxy\/admin\.sock/.test(e.message));
  assert.throws(() => parseRuntimeAddress('tcp://127.0.0.1:99999'), TrafficError);
});

test('command arguments escape ; and \\ and refuse whitespace', () => {
  assert.equal(escapeArg('be/a;b'), 'be/a\\;b');
  assert.equal(escapeArg('a\\b'), 'a\\\\b');
  assert.equal(runtimeCommand('set weight', 'global/eu;west', '10%'), 'set weight global/eu\\;west 10%');
  assert.throws(() => escapeArg('eu west'), TrafficError);
  assert.throws(() => escapeArg(''), TrafficError);
});
