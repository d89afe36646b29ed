// One hook in a plan file: a shell command or a webhook run at a point of the run (run-start, around a
// region's drain and restore, run-end). The plan schema lists these under spec.hooks.
import { z } from 'zod';
import { Duration } from '../lib/duration.ts';
import { duration } from './values.ts';

/** When a hook runs. pre/post-drain and pre/post-restore run once per region around its traffic change. */
export const HOOK_EVENTS = ['run-start', 'pre-drain', 'post-drain', 'pre-restore', 'post-restore', 'run-end'] as const;

export type HookEvent = (typeof HOOK_EVENTS)[number];

const on = z.enum(HOOK_EVENTS);
/** `fail`: a failed hook fails the run (at run-end: marks it); `continue`: recorded, and the run goes on. */
const onFailure = z.enum(['fail', 'continue']).default('fail');

const CommandHookSchema = z.strictObject({
  on,
  type: z.literal('command'),
  /** `sh -c` command; `{{run}}`, `{{cluster}}`, ... are filled in, and also set as DAYLIGHT_RUN, DAYLIGHT_CLUSTER, ... */
  run: z.string().min(1),
  timeout: duration('5m').default(Duration.parse('5m')),
  onFailure,
});

const WebhookSchema = z.strictObject({
  on,
  type: z.literal('webhook'),
  /** http(s); user:password@ in it becomes basic auth and is never shown. */
  url: z.url({ protocol: /^https?$/, error: 'write an http or https URL, such as https://hooks.example.com/daylight' }),
  method: z.literal('POST').default('POST'),
  /** Sent as given; their values are never shown in results or journals. */
  headers: z.record(z.string(), z.string()).default({}),
  timeout: duration('30s').default(Duration.parse('30s')),
  onFailure,
});

export const HookSchema = z.discriminatedUnion('type', [CommandHookSchema, WebhookSchema]);

export type Hook = z.output<typeof HookSchema>;
export type CommandHook = Extract<Hook, { type: 'command' }>;
export type WebhookHook = Extract<Hook, { type: 'webhook' }>;
