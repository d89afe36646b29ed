// Findings as text for a terminal: grouped by cluster (in the order they come), most severe first,
// each finding's fix on the line below it.
import { sortFindings } from './run.ts';
import { summarise } from './summary.ts';
import type { Finding } from './types.ts';

const INDENT = '    ';

export function renderFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings: nothing in scope stands in the way of a zero-downtime run\n';
  const clusters = [...new Set(findings.map((f) => f.cluster))];
  return clusters.map((c) => renderCluster(c, findings.filter((f) => f.cluster === c))).join('\n');
}

function renderCluster(cluster: string, findings: readonly Finding[]): string {
  const s = summarise(findings);
  const lines = [`${cluster}: ${s.blocking} blocking, ${s.warning} warning, ${s.info} info`];
  for (const f of sortFindings(findings)) {
    lines.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.rule} ${f.subject}: ${f.message}`);
    lines.push(`${INDENT}fix: ${f.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
