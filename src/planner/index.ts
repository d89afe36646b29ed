// The planner's public face: waves, ETAs, lower bounds and window schedules from a plan and cluster
// snapshots. Pure functions; no I/O.
export { planPhase } from './plan-phase.ts';
export type { PhaseInput } from './plan-phase.ts';
export { planRun } from './plan-run.ts';
export type { Finding, PlannedPhase, RunInput, RunPlan } from './plan-run.ts';
export { lowerBound } from './lower-bound.ts';
export type { BoundInput } from './lower-bound.ts';
export { schedule } from './schedule.ts';
export type { PlacedStep, Schedule, ScheduleStep } from './schedule.ts';
export { fitsInWindow, nextWindowStart, windowCalendar } from './window.ts';
export type { OpenInterval, WindowCalendar } from './window.ts';
export { renderPlan } from './render.ts';
export { planRunJson } from './json.ts';
export type { PhaseJson, RolloutJson, RunPlanJson, WaveJson } from './json.ts';
export { planRollout } from './rollout-plan.ts';
export type { ClusterEstimate, RolloutGroupPlan, RolloutPlan, RolloutStagePlan } from './rollout-plan.ts';
export type * from './types.ts';
