// Preflight's public surface: run the rules over a snapshot, count and render the findings.
export { RULES, runPreflight, sortFindings } from './run.ts';
export { summarise } from './summary.ts';
export type { FindingSummary } from './summary.ts';
export { renderFindings } from './render.ts';
export type { Finding, PreflightInput, Severity } from './types.ts';
