// The iCalendar (RFC 5545) export of a plan's planned runs and change freezes: one VEVENT per cluster of
// each planned run, with what will be done, and VALARMs for the notices 4 weeks, 1 week and 24 hours
// before; the same content as data for `daylight calendar -o json`.
import { nodePhases } from '../plan/kubernetes-phase.ts';
import type { NodesPhase, Plan } from '../plan/schema.ts';
import { wallText, zone } from '../planner/zoned-time.ts';
import type { Component, Property } from './ical-text.ts';
import { dateValue, escapeText, serialize, utcDateTime } from './ical-text.ts';
import { NOTICE_OFFSETS } from './notices.ts';
import type { Notice } from './notices.ts';
import type { Freeze, PlannedCluster, PlannedRun, PlannedSchedule } from './planned-runs.ts';

export const PRODID = '-//Daylight//Maintenance calendar 1.0//EN';

export interface CalendarInput {
  readonly plan: Plan;
  readonly schedule: PlannedSchedule;
  /** DTSTAMP: when the calendar was made. */
  readonly nowMs: number;
}

export interface CalendarEvent {
  readonly uid: string;
  readonly cluster: string;
  readonly start: string;
  readonly end: string;
  readonly summary: string;
  readonly description: string;
  readonly categories: readonly string[];
  readonly notices: readonly Notice[];
}

export interface CalendarJson {
  readonly plan: string;
  readonly timezone: string;
  readonly events: readonly CalendarEvent[];
  readonly freezes: readonly Freeze[];
}

export function calendarEvents(input: CalendarInput): CalendarEvent[] {
  const timezone = input.plan.spec.window?.timezone ?? 'UTC';
  return input.schedule.runs.flatMap((run) => run.clusters.map((c, i) => eventOf(input.plan, run, c, { order: i, timezone })));
}

export function calendarJson(input: CalendarInput): CalendarJson {
  return { plan: input.plan.metadata.name, timezone: input.plan.spec.window?.timezone ?? 'UTC', events: calendarEvents(input), freezes: input.schedule.freezes };
}

export function renderCalendar(input: CalendarInput): string {
  const stamp = utcDateTime(input.nowMs);
  const events = calendarEvents(input).map((e) => vevent(e, stamp));
  const freezes = input.schedule.freezes.map((f) => freezeEvent(input.plan.metadata.name, f, stamp));
  return serialize({
    name: 'VCALENDAR',
    properties: [
      { name: 'PRODID', value: PRODID },
      { name: 'VERSION', value: '2.0' },
      { name: 'CALSCALE', value: 'GREGORIAN' },
      { name: 'METHOD', value: 'PUBLISH' },
      { name: 'X-WR-CALNAME', value: escapeText(`Daylight maintenance: ${input.plan.metadata.name}`) },
    ],
    components: [...events, ...freezes],
  });
}

function eventOf(plan: Plan, run: PlannedRun, c: PlannedCluster, at: { order: number; timezone: string }): CalendarEvent {
  const z = zone(at.timezone);
  const others = plan.spec.clusters.map((x) => x.name);
  const when = run.estimated
    ? `Estimated by the planner from the clusters' state: ${wallText(z, c.startMs)} to ${wallText(z, c.endMs)} ${at.timezone}.`
    : `Within the maintenance window ${wallText(z, run.window?.startMs ?? run.startMs)} to ${wallText(z, run.window?.endMs ?? run.endMs)} ${at.timezone}; clusters are maintained one after another (${others.join(', then ')}), so ${c.cluster} takes part of it.`;
  const lines = [
    `Daylight plan ${plan.metadata.name} maintains cluster ${c.cluster} (${at.order + 1} of ${others.length}).`,
    ...plan.spec.phases.flatMap(nodePhases).map((p) => `- ${phaseText(plan, p)}`),
    when,
    'Planned without downtime: workloads keep serving; nodes are drained through the Eviction API, within PodDisruptionBudgets.',
  ];
  return {
    uid: c.uid,
    cluster: c.cluster,
    start: new Date(c.startMs).toISOString(),
    end: new Date(c.endMs).toISOString(),
    summary: `Maintenance ${c.cluster}: ${plan.metadata.name}`,
    description: lines.join('\n'),
    categories: ['Maintenance', 'Daylight', ...new Set(plan.spec.phases.map((p) => p.name))],
    notices: run.notices,
  };
}

function phaseText(plan: Plan, p: NodesPhase): string {
  const action = `${p.action.operation}${p.action.version ? ` to ${p.action.version}` : ''}`;
  const traffic = plan.spec.traffic;
  const regional = p.regional && traffic ? `; the region leaves the global load balancer first, then gets its traffic back in steps of ${traffic.restore.steps.join(', ')}%` : '';
  return `${p.name}: ${action} of the nodes matching "${p.selector}", at most ${p.maxUnavailable} at a time, a canary of ${p.canary} first${regional}`;
}

function vevent(e: CalendarEvent, stamp: string): Component {
  const properties: Property[] = [
    { name: 'UID', value: e.uid },
    { name: 'DTSTAMP', value: stamp },
    { name: 'DTSTART', value: utcDateTime(Date.parse(e.start)) },
    { name: 'DTEND', value: utcDateTime(Math.max(Date.parse(e.end), Date.parse(e.start) + 60_000)) },
    { name: 'SUMMARY', value: escapeText(e.summary) },
    { name: 'DESCRIPTION', value: escapeText(e.description) },
    { name: 'CATEGORIES', value: e.categories.map(escapeText).join(',') },
    { name: 'STATUS', value: 'TENTATIVE' },
    { name: 'TRANSP', value: 'TRANSPARENT' },
    { name: 'SEQUENCE', value: '0' },
  ];
  const alarms = NOTICE_OFFSETS.map((o) => ({
    name: 'VALARM',
    properties: [
      { name: 'ACTION', value: 'DISPLAY' },
      { name: 'TRIGGER', value: o.trigger },
      { name: 'DESCRIPTION', value: escapeText(`Notice: ${e.summary} in ${o.before}`) },
    ],
  }));
  return { name: 'VEVENT', properties, components: alarms };
}

function freezeEvent(plan: string, f: Freeze, stamp: string): Component {
  const end = new Date(`${f.to}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return {
    name: 'VEVENT',
    properties: [
      { name: 'UID', value: `${plan}.freeze.${dateValue(f.from)}@daylight.dev` },
      { name: 'DTSTAMP', value: stamp },
      { name: 'DTSTART', value: dateValue(f.from), params: { VALUE: 'DATE' } },
      { name: 'DTEND', value: dateValue(end.toISOString().slice(0, 10)), params: { VALUE: 'DATE' } },
      { name: 'SUMMARY', value: escapeText(`Change freeze: no maintenance by ${plan}${f.reason ? ` (${f.reason})` : ''}`) },
      { name: 'CATEGORIES', value: 'Change freeze,Daylight' },
      { name: 'TRANSP', value: 'TRANSPARENT' },
    ],
  };
}
