// The upgrade plan for people (text) and for scripts (JSON): versions, path with reasons, warnings and
// errors, the support check, and the API findings, ending with the verdict line.
import { apiVersionOf } from './api-index.ts';
import { objectName, sourceText } from './api-scan.ts';
import type { ApiFinding } from './api-scan.ts';
import { RELEASES_SOURCE } from './data/releases.ts';
import { REMOVED_APIS_SOURCE } from './data/removed-apis.ts';
import { nodeList } from './path.ts';
import type { PathStep } from './path.ts';
import type { UpgradeReport } from './upgrade-plan.ts';

export function renderUpgradePlan(r: UpgradeReport): string {
  const out: string[] = [];
  const where = r.cluster ? `cluster ${r.cluster}` : 'versions given with --from';
  out.push(`Kubernetes upgrade plan (${where}): ${r.path.current ?? '?'} → ${r.path.target ? `${r.path.target.minor} (${r.path.target.version})` : '?'}`);
  out.push('', 'Current versions');
  for (const a of r.apiservers) out.push(`  kube-apiserver  ${a.version || '(none)'}  (${a.source})`);
  if (r.path.kubelets.length === 0) out.push(`  kubelets        ${r.cluster ? 'no nodes' : 'not read (no cluster)'}`);
  for (const k of r.path.kubelets) out.push(`  kubelet ${k.minor.padEnd(7)} ${nodeList(k.nodes)}`);
  out.push('', 'Path');
  if (r.path.steps.length === 0) out.push(r.path.target ? '  nothing to upgrade: everything already runs the target' : '  none (see the errors)');
  r.path.steps.forEach((s, i) => out.push(...stepLines(s, i)));
  if (!r.cluster && r.path.steps.length > 0) out.push('  (kubelets not read: keep them within the skew policy, at most three minors behind the control plane)');
  if (r.path.support) {
    const flagged = r.path.problems.find((p) => p.about === 'target' && p.severity === 'warning');
    out.push('', 'Support', `  ${flagged ? `! ${flagged.message}` : r.path.support.message}`);
    out.push(`  (releases table gathered ${RELEASES_SOURCE.gathered} from ${RELEASES_SOURCE.urls[0]}, data of ${RELEASES_SOURCE.dataAsOf})`);
  }
  const warnings = r.path.problems.filter((p) => p.severity === 'warning' && p.about !== 'target');
  const errors = r.path.problems.filter((p) => p.severity === 'error');
  if (warnings.length) out.push('', 'Warnings', ...warnings.map((w) => `  ! ${w.step !== undefined ? `(before step ${w.step + 1}) ` : ''}${w.message}`));
  if (errors.length) out.push('', 'Errors', ...errors.map((e) => `  ✗ ${e.message}`));
  out.push(...scanLines(r));
  out.push('', verdict(r));
  return out.join('\n');
}

function stepLines(s: PathStep, i: number): string[] {
  const n = `  ${i + 1}.`;
  if (s.kind === 'control-plane') return [`${n} control plane ${s.from} → ${s.to} (${s.version})`, `     ${s.reason}`];
  const from = [...new Set(s.nodes.map((x) => x.from))].join(', ');
  return [`${n} kubelets ${from} → ${s.to} (${s.version}) on ${nodeList(s.nodes.map((x) => x.name))}`, `     ${s.reason}`];
}

function scanLines(r: UpgradeReport): string[] {
  if (!r.span) return [];
  const out = ['', `Deprecated and removed APIs (minors 1.${r.span.current + 1} to 1.${r.span.target}; table gathered ${REMOVED_APIS_SOURCE.gathered})`];
  const c = r.clusterScan;
  if (c) {
    out.push(`  cluster ${r.cluster}: ${count(c.objects, 'object')} of ${count(c.listed.length, 'resource type')}, ${count(c.requests, 'request')}`);
    if (c.servedOnly > 0) {
      out.push(`  ${c.servedOnly} of them ${c.servedOnly === 1 ? 'has' : 'have'} no last-applied-configuration: only their served version was checked, which cannot show how they were written (check their manifests or Helm releases with --manifests)`);
    }
    for (const u of c.unreadable) out.push(`  ! not scanned: ${u.what}: ${u.message}`);
  }
  const m = r.manifestScan;
  if (m) {
    out.push(`  manifests: ${count(m.objects, 'object')} in ${count(m.files, 'file')}`);
    for (const u of m.unreadable) out.push(`  ! not scanned: ${u.file}:${u.line}: ${u.message}`);
  }
  if (r.findings.length === 0) out.push('  none found');
  for (const f of sortedFindings(r.findings)) out.push(...findingLines(f));
  return out;
}

function sortedFindings(findings: readonly ApiFinding[]): ApiFinding[] {
  return [...findings].sort((a, b) => Number(b.blocking) - Number(a.blocking));
}

function findingLines(f: ApiFinding): string[] {
  const label = f.blocking ? 'BLOCKING' : f.status === 'deprecated' ? 'deprecated' : 'later';
  const to = f.api.replacement ?? 'no replacement';
  return [
    `  ${label.padEnd(10)} ${f.object.kind} ${objectName(f.object)}  at ${sourceText(f.object.source)}`,
    `             ${apiVersionOf(f.api)} → ${to}: ${f.message}`,
  ];
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function verdict(r: UpgradeReport): string {
  const parts: string[] = [];
  if (r.blocking > 0) parts.push(`${r.blocking} removed API${r.blocking === 1 ? '' : 's'} in use`);
  if (r.errors > 0) parts.push(`${r.errors} error${r.errors === 1 ? '' : 's'} in the path`);
  if (parts.length) return `blocked: ${parts.join('; ')}`;
  const warnings = r.path.problems.filter((p) => p.severity === 'warning').length;
  return `ready: no removed API in use${warnings ? `; ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`;
}

/** The report for scripts: everything in the text, as data, with the tables' sources. */
export function upgradePlanJson(r: UpgradeReport): unknown {
  return {
    ...r,
    blocked: r.blocking > 0 || r.errors > 0,
    sources: { releases: RELEASES_SOURCE, removedApis: REMOVED_APIS_SOURCE },
  };
}
