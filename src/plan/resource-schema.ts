// A plan kept in the cluster as a MaintenancePlan resource: the plan file's spec plus when its runs start
// (`schedule`) and whether they may (`suspend`). The CRD's schema is generated from this one (src/crd/).
import { z } from 'zod';
import { PlanSchema } from './schema.ts';
import { timezone } from './values.ts';

const DAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';

/** `every Tuesday 09:00 Europe/Berlin`, `every Monday, Thursday 22:30 UTC`, `every day 03:00 Asia/Tokyo`. */
export const RECURRENCE_PATTERN = `^every (day|${DAY}(, ?${DAY})*) ([01][0-9]|2[0-3]):[0-5][0-9] [A-Za-z][-A-Za-z0-9_+/]*$`;

const RECURRENCE = new RegExp(RECURRENCE_PATTERN);

const recurrence = z
  .string()
  .regex(RECURRENCE, { message: 'write "every <day>[, <day>...] HH:MM <time zone>", such as "every Tuesday 09:00 Europe/Berlin" or "every day 03:00 UTC"' })
  .superRefine((v, ctx) => {
    if (!RECURRENCE.test(v)) return;
    const zone = v.slice(v.lastIndexOf(' ') + 1);
    const problem = timezone.safeParse(zone);
    if (!problem.success) ctx.addIssue({ code: 'custom', message: problem.error.issues[0]?.message ?? `"${zone}" is not a time zone` });
  });

const SCHEDULE_KEYS = ['windows', 'recurrence', 'manual'] as const;

/**
 * When runs start: at each opening of the plan's window (`windows: true`), on a recurrence, or only when a
 * person creates a MaintenanceRun (`manual: true`). Exactly one of the three.
 */
export const ScheduleSchema = z
  .strictObject({
    windows: z.literal(true).optional(),
    recurrence: recurrence.optional(),
    manual: z.literal(true).optional(),
  })
  .superRefine((s, ctx) => {
    const set = SCHEDULE_KEYS.filter((k) => s[k] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `${set.length === 0 ? 'no schedule is set' : `${set.join(' and ')} are both set`}; set exactly one of windows: true (the plan's window), recurrence: "every Tuesday 09:00 Europe/Berlin", or manual: true` });
    }
  })
  // The same rule for the API server: a structural schema says "exactly one" as branches that only require.
  .meta({ oneOf: SCHEDULE_KEYS.map((k) => ({ required: [k] })) });

export const MaintenancePlanSpecSchema = PlanSchema.shape.spec
  .safeExtend({
    schedule: ScheduleSchema.default({ manual: true }),
    /** No new run starts while true; a run already going is not stopped (its MaintenanceRun's spec.paused is). */
    suspend: z.boolean().default(false),
  })
  .superRefine((spec, ctx) => {
    if (spec.schedule.windows && !spec.window) ctx.addIssue({ code: 'custom', path: ['schedule', 'windows'], message: 'schedule windows: true starts runs when the plan\'s window opens, and this plan has none; add spec.window, or use recurrence or manual: true' });
  });

export type Schedule = z.output<typeof ScheduleSchema>;
export type MaintenancePlanSpec = z.output<typeof MaintenancePlanSpecSchema>;
