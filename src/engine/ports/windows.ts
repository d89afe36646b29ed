// The maintenance window port: when work may start, from the plan's window (the planner's calendar behind
// it, wired by the CLI), so the engine waits for an opening without reading calendars itself.
import type { MaintenanceWindow } from '../../plan/schema.ts';

export interface WindowPort {
  /** When a piece of work of `durationMs` may start, at or after `fromMs`. */
  nextStart(window: MaintenanceWindow, fromMs: number, durationMs: number): number;
}
