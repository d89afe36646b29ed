// iCalendar (RFC 5545) content lines: TEXT escaping (backslash, semicolon, comma, newline), UTC and DATE
// values, and folding at 75 octets without splitting a UTF-8 character, with CRLF line endings.

const CRLF = '\r\n';
/** RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break. */
const MAX_OCTETS = 75;

/** A TEXT value (§3.3.11): `\` `;` `,` escaped, line breaks as `\n`. */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** A DATE-TIME in UTC (§3.3.5, form #2): 20260907T070000Z. */
export function utcDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** A DATE (§3.3.4): 20261220 from "2026-12-20". */
export function dateValue(isoDate: string): string {
  return isoDate.replace(/-/g, '');
}

/** Folds one content line (§3.1): CRLF and a space before each 75-octet chunk after the first. */
export function foldLine(line: string): string {
  const encoder = new TextEncoder();
  const chunks: string[] = [];
  let chunk = '';
  let octets = 0;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    // The space that starts a continuation line counts towards its 75 octets.
    const limit = chunks.length === 0 ? MAX_OCTETS : MAX_OCTETS - 1;
    if (octets + size > limit) {
      chunks.push(chunk);
      chunk = '';
      octets = 0;
    }
    chunk += ch;
    octets += size;
  }
  chunks.push(chunk);
  return chunks.join(`${CRLF} `);
}

/** A property as `NAME;PARAM=V:value`, the value already encoded for its type. */
export interface Property {
  readonly name: string;
  readonly value: string;
  readonly params?: Readonly<Record<string, string>>;
}

/** A component with its properties and sub-components (VCALENDAR, VEVENT, VALARM). */
export interface Component {
  readonly name: string;
  readonly properties: readonly Property[];
  readonly components?: readonly Component[];
}

function propertyLine(p: Property): string {
  const params = Object.entries(p.params ?? {}).map(([k, v]) => `;${k}=${/[;:,"]/.test(v) ? `"${v.replace(/"/g, "'")}"` : v}`).join('');
  return foldLine(`${p.name}${params}:${p.value}`);
}

function componentLines(c: Component): string[] {
  return [`BEGIN:${c.name}`, ...c.properties.map(propertyLine), ...(c.components ?? []).flatMap(componentLines), `END:${c.name}`];
}

/** The whole object, every line ending in CRLF. */
export function serialize(c: Component): string {
  return componentLines(c).map((l) => `${l}${CRLF}`).join('');
}
