// The report module's public face: build a run's audit report as data, render it as HTML, verify a
// journal's hash chain. The CLI, a server and a dashboard use these.
export { buildReport } from './build.ts';
export type { ReportInput } from './build.ts';
export { renderReportHtml } from './html.ts';
export { describeChain, verifyJournal } from './integrity.ts';
export type { BreakKind, ChainBreak, ChainResult, VerifiedJournal } from './integrity.ts';
export { readRunFiles } from './read-run.ts';
export type { RunFiles } from './read-run.ts';
export { REPORT_FORMAT } from './types.ts';
export type * from './types.ts';
