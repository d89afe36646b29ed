// zod building blocks for plan files: durations, int-or-percent, label selectors and clock times, each
// checked with a message that says what to write instead.
import { z } from 'zod';
import { Duration, DURATION_PATTERN } from '../lib/duration.ts';
import { parseLabelSelector, SelectorError } from '../lib/selectors.ts';

/**
 * Metadata key of the blocks whose checks JSON Schema cannot read (transforms, refinements): how the value is
 * written, as JSON Schema, for the schemas generated from the plan's (the CRDs, src/crd/). It is kept beside
 * each check so the two change together.
 */
export const WRITTEN_AS = 'writtenAs';

/** A Go-style duration up to `maxMs` (default: the longest wait a timer can hold, 576h). */
export const duration = (example: string, maxMs?: number) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    if (typeof v === 'number') {
      ctx.addIssue({ code: 'custom', message: `${v} has no unit; write a duration such as "${example}" (units: ms, s, m, h)` });
      return z.NEVER;
    }
    try {
      return Duration.parse(v, maxMs);
    } catch (e: unknown) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
      return z.NEVER;
    }
  }).meta({ [WRITTEN_AS]: { type: 'string', pattern: DURATION_PATTERN } });

/** More nodes than any cluster has (Kubernetes is tested to 5,000; the largest managed ones stop at 65,000). */
export const MAX_NODES = 100_000;

/** A whole number from `min` to `max`, with a message that names the value and the range. */
export function count(min: number, max: number) {
  const range = `use a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  return z.number().superRefine((v, ctx) => {
    if (!Number.isInteger(v)) ctx.addIssue({ code: 'custom', message: `${v} is not a whole number; ${range}` });
    else if (v < min) ctx.addIssue({ code: 'custom', message: `${v} is below ${min.toLocaleString('en-US')}; ${range}` });
    else if (v > max) ctx.addIssue({ code: 'custom', message: `${v} is over ${max.toLocaleString('en-US')}; ${range}` });
  }).meta({ [WRITTEN_AS]: { type: 'integer', minimum: min, maximum: max } });
}

/** An integer number of nodes, or a percentage up to 100% as a string: "25%". */
export const intOrPercent = z.union([z.number(), z.string()]).superRefine((v, ctx) => {
  const fix = `use an integer from 0 to ${MAX_NODES.toLocaleString('en-US')} or a percentage up to 100%, such as "25%"`;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) ctx.addIssue({ code: 'custom', message: `${v} is not a whole number of nodes; ${fix}` });
    else if (v > MAX_NODES) ctx.addIssue({ code: 'custom', message: `${v} is more nodes than any cluster has; ${fix}` });
    return;
  }
  const m = /^(\d+)%$/.exec(v);
  if (!m) ctx.addIssue({ code: 'custom', message: `"${v}" is neither an integer nor a percentage; use an integer or a percentage such as "25%"` });
  else if (Number(m[1]) > 100) ctx.addIssue({ code: 'custom', message: `"${v}" is over 100%; use an integer or a percentage up to 100%` });
}).meta({ [WRITTEN_AS]: { anyOf: [{ type: 'integer', minimum: 0, maximum: MAX_NODES }, { type: 'string', pattern: '^(100|[1-9]?[0-9])%$' }] } });

export type IntOrPercent = number | string;

/** Resolves an int-or-percent against a total; percentages round down but never below `floor`. */
export function resolveIntOrPercent(v: IntOrPercent, total: number, floor = 0): number {
  if (typeof v === 'number') return v;
  const pct = Number(v.slice(0, -1));
  return Math.max(floor, Math.floor((pct * total) / 100));
}

export const labelSelector = z.string().superRefine((v, ctx) => {
  try {
    parseLabelSelector(v);
  } catch (e: unknown) {
    if (e instanceof SelectorError) ctx.addIssue({ code: 'custom', message: `${e.message}; write a label selector such as "!node-role.kubernetes.io/control-plane" or "pool=general"` });
    else throw e;
  }
});

export const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'write a time of day as "HH:MM", such as "09:00"' });

export const timezone = z.string().superRefine((v, ctx) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a time zone; write an IANA name such as "Europe/Berlin" or "UTC"` });
  }
});

export const isoDate = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const text = v instanceof Date ? v.toISOString().slice(0, 10) : v;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text))) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a date; write it as YYYY-MM-DD` });
    return z.NEVER;
  }
  return text;
}).meta({ [WRITTEN_AS]: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } });
