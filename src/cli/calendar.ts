// `daylight calendar -f plan.yaml`: the plan's planned runs and change freezes as an iCalendar file (one
// event per cluster per window opening, with notices 4 weeks, 1 week and 24 hours before), or as JSON.
import { writeFileSync } from 'node:fs';
import type { ClusterSnapshot } from '../kube/types.ts';
import { errnoCode, UserError } from '../lib/errors.ts';
import { renderCalendar, calendarJson } from '../notify/calendar.ts';
import { clusterSlots, plannedRuns } from '../notify/planned-runs.ts';
import type { EtaFor, PlannedSchedule } from '../notify/planned-runs.ts';
import type { LoadedPlan } from '../plan/load.ts';
import { loadPlanFile } from '../plan/load.ts';
import { planRun } from '../planner/index.ts';
import { dayNumber, zone } from '../planner/zoned-time.ts';
import { HELP_OPTION, numberFlag, OUTPUT_OPTION, outputFlag, parse, positionals, stringFlag } from './args.ts';
import type { Parsed } from './args.ts';
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';

const HELP = `Usage: daylight calendar -f plan.yaml [--from DATE] [--days N] [--eta [--kubeconfig FILE]] [--out FILE] [-o json]

The plan's planned runs as iCalendar (RFC 5545) for a team calendar or an announcement: one run at each
opening of spec.window in the range, one event per cluster (what will be done, when), with reminders
4 weeks, 1 week and 24 hours before, and the change freezes (spec.window.exclude) as all-day events.
  --from DATE     first day: YYYY-MM-DD (midnight in the window's time zone) or an ISO time; default now
  --days N        days from --from (1-366, default 28)
  --eta           read the clusters and place each cluster's event by the planner's ETA (as daylight plan);
                  without it each event spans the window opening
  --out FILE      write to FILE instead of standard output
  -o json         the events with their notice dates, as data
Exit codes: 0 written; 2 bad input.`;

const DAY_MS = 86_400_000;

export const calendarCommand: Command = {
  name: 'calendar',
  help: HELP,
  async run(argv, io) {
    const p = parse('calendar', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...KUBECONFIG_OPTION, file: { type: 'string', short: 'f' }, from: { type: 'string' }, days: { type: 'string' }, out: { type: 'string' }, eta: { type: 'boolean' } });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    positionals(p, 0, 'daylight calendar -f plan.yaml');
    const file = stringFlag(p, 'file');
    if (!file) throw new UserError('missing the plan: pass -f plan.yaml');
    const plan = await loadPlanFile(file);
    const nowMs = Date.now();
    const schedule = await scheduleOf(p, plan, nowMs);
    const input = { plan: plan.plan, schedule, nowMs };
    const text = outputFlag(p) === 'json' ? JSON.stringify(calendarJson(input), null, 2) : renderCalendar(input);
    const out = stringFlag(p, 'out');
    if (!out) {
      io.out(text.replace(/\r\n$/, ''));
      return 0;
    }
    try {
      writeFileSync(out, text);
    } catch (e: unknown) {
      throw new UserError(`--out ${out}: cannot write it (${errnoCode(e) ?? 'unknown error'}); check that its folder exists and is writable`, { cause: e });
    }
    io.out(`${schedule.runs.length} planned run(s), ${schedule.freezes.length} change freeze(s) written to ${out}`);
    return 0;
  },
};

/** The planned runs of the range; with --eta the clusters are read once and the planner places each run. */
export async function scheduleOf(p: Parsed, plan: LoadedPlan, nowMs: number): Promise<PlannedSchedule> {
  const fromMs = fromOf(stringFlag(p, 'from'), plan.plan.spec.window?.timezone ?? 'UTC', nowMs);
  const days = numberFlag(p, 'days', { min: 1, max: 366, integer: true }) ?? 28;
  const range = { plan: plan.plan, fromMs, toMs: fromMs + days * DAY_MS, nowMs };
  if (p.values.eta !== true) return plannedRuns(range);
  const connected = await connectClusters(plan.plan, { kubeconfig: stringFlag(p, 'kubeconfig') });
  try {
    const snapshots: ClusterSnapshot[] = [];
    for (const cluster of connected.clusters.values()) snapshots.push(await cluster.snapshot());
    const eta: EtaFor = (startMs) => clusterSlots(planRun({ snapshots, plan: plan.plan, now: startMs }));
    return plannedRuns({ ...range, eta });
  } finally {
    await connected.close();
  }
}

function fromOf(text: string | undefined, timezone: string, nowMs: number): number {
  if (text === undefined) return nowMs;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text))) return zone(timezone).at(dayNumber(text), 0);
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/T\d{2}:\d{2}/.test(text)) throw new UserError(`--from ${text}: expected a date as YYYY-MM-DD or an ISO time such as 2026-09-07T09:00:00Z`);
  return ms;
}
