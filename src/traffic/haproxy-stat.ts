// Parsers for what HAProxy's runtime API prints about servers: `show stat` CSV (read by its header line,
// since only the first 100 columns have fixed positions) and `get weight` ("50 (initial 100)").
import { TrafficError } from './types.ts';

/** One row of `show stat`: a frontend, a backend or a server, with the columns Daylight reads. */
export interface StatRow {
  readonly pxname: string;
  /** `FRONTEND`, `BACKEND` or the server's name. */
  readonly svname: string;
  /** `UP`, `DOWN`, `DRAIN`, `MAINT`, `NOLB`, `no check`, `UP 1/3`, ... */
  readonly status: string;
  readonly qcur: number;
  /** Sessions open now: a drain is complete at 0. */
  readonly scur: number;
  /** Sessions ever. */
  readonly stot: number;
  /** Effective weight (0 while draining); `uweight` is the weight set by `set weight`. */
  readonly weight?: number;
  readonly uweight?: number;
  /** Times the load balancer picked this server: it stops rising once new traffic no longer reaches it. */
  readonly lbtot?: number;
  /** Sessions per second over the last second. */
  readonly rate?: number;
  readonly check_status?: string;
  readonly hrsp_1xx?: number;
  readonly hrsp_2xx?: number;
  readonly hrsp_3xx?: number;
  readonly hrsp_4xx?: number;
  readonly hrsp_5xx?: number;
  readonly hrsp_other?: number;
  /** HTTP requests; empty in TCP mode. */
  readonly req_tot?: number;
  /** Every column of the row by its header name, as HAProxy printed it. */
  readonly fields: Readonly<Record<string, string>>;
}

/** `get weight <b>/<s>`: the weight now and the one haproxy.cfg gave. */
export interface ServerWeight {
  readonly current: number;
  readonly initial: number;
}

const REQUIRED = ['pxname', 'svname', 'status', 'scur', 'stot'] as const;

/** Parses `show stat` output; throws a TrafficError quoting the text when it is not a stat table ("No such proxy."). */
export function parseShowStat(text: string): StatRow[] {
  const records = parseCsv(text);
  const headerAt = records.findIndex((r) => r[0]?.startsWith('# '));
  const header = records[headerAt];
  if (!header) throw new TrafficError(`expected \`show stat\` CSV with a '# pxname,svname,...' header, got: ${snippet(text)}`);
  const names = header.map((n, i) => (i === 0 ? n.slice(2) : n).trim());
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length > 0) throw new TrafficError(`\`show stat\` header lacks the column(s) ${missing.join(', ')}: ${snippet(text)}`);
  return records
    .slice(headerAt + 1)
    .filter((r) => r.length > 1)
    .map((r) => toRow(fieldsOf(names, r)));
}

function fieldsOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  names.forEach((name, i) => {
    // the header ends with a comma and carries a '-' placeholder: neither names a column
    if (name !== '' && name !== '-') fields[name] = values[i] ?? '';
  });
  return fields;
}

function toRow(f: Record<string, string>): StatRow {
  const count = (name: string): number | undefined => {
    const v = f[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const text = (name: string): string | undefined => (f[name] ? f[name] : undefined);
  return {
    pxname: f.pxname ?? '',
    svname: f.svname ?? '',
    status: f.status ?? '',
    qcur: count('qcur') ?? 0,
    scur: count('scur') ?? 0,
    stot: count('stot') ?? 0,
    weight: count('weight'),
    uweight: count('uweight'),
    lbtot: count('lbtot'),
    rate: count('rate'),
    check_status: text('check_status'),
    hrsp_1xx: count('hrsp_1xx'),
    hrsp_2xx: count('hrsp_2xx'),
    hrsp_3xx: count('hrsp_3xx'),
    hrsp_4xx: count('hrsp_4xx'),
    hrsp_5xx: count('hrsp_5xx'),
    hrsp_other: count('hrsp_other'),
    req_tot: count('req_tot'),
    fields: f,
  };
}

/** Responses the row counted, by class; undefined when the row has no HTTP counters (TCP mode). */
export function responsesOf(row: StatRow): number | undefined {
  const classes = [row.hrsp_1xx, row.hrsp_2xx, row.hrsp_3xx, row.hrsp_4xx, row.hrsp_5xx, row.hrsp_other];
  if (classes.every((c) => c === undefined)) return undefined;
  return classes.reduce<number>((sum, c) => sum + (c ?? 0), 0);
}

/**
 * CSV records as HAProxy writes them: comma-separated, a double quote around a field that needs it, and a
 * doubled quote inside one. A quoted field may hold a comma or a line break.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  record.push(field);
  if (record.length > 1 || record[0] !== '') records.push(record);
  return records;
}

/** Parses `get weight` ("50 (initial 100)"); HAProxy's refusal ("No such server.") becomes a TrafficError. */
export function parseWeight(text: string): ServerWeight {
  const m = /^\s*(\d+) \(initial (\d+)\)\s*$/.exec(text);
  if (!m) throw new TrafficError(`expected \`get weight\` to answer '<current> (initial <initial>)', got: ${snippet(text)}`);
  return { current: Number(m[1]), initial: Number(m[2]) };
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return 'an empty reply';
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
