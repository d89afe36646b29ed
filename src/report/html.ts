// The report as one self-contained HTML file: inline style, inline SVG, no script and no external asset
// (a Content-Security-Policy forbids them), every value escaped. Sections carry ids (summary, timeline,
// actions, gates, traffic, preflight, integrity, compliance) so people and browser tests can find them.
import type { GateResult } from '../engine/events.ts';
import { durationText, timeText } from '../lib/human-format.ts';
import { html, trusted } from '../lib/html-escape.ts';
import type { Html } from '../lib/html-escape.ts';
import { trafficSvg } from './traffic-svg.ts';
import type { Report, Stamp, StepTimeline } from './types.ts';

export const REPORT_STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem;margin-top:2rem}h3{font-size:1rem;margin:1rem 0 .25rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .45rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
.ok{color:#1a7f37}.bad{color:#cf222e;font-weight:600}.muted{color:#57606a}.partial{color:#9a6700}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
.chart text{font-size:11px;fill:#1b1f24}.chart .grid{stroke:#d0d7de;stroke-width:1}
nav a{margin-right:.8rem}details{margin:.25rem 0}ul.details{margin:.2rem 0;padding-left:1.2rem}
@media print{nav{display:none}}`;

export function renderReportHtml(r: Report): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="daylight">
<title>Daylight report: ${r.runId}</title>
<style>${trusted(REPORT_STYLE)}</style>
</head>
<body>
<header>
<h1>Maintenance report: <span class="mono">${r.runId}</span></h1>
<p class="muted">Generated ${timeText(r.generatedAt)} by daylight report from the run's journal. Times are wall clock; cluster-clock times are given where they differ.</p>
<nav>${['summary', 'timeline', 'approvals', 'actions', 'gates', 'traffic', 'preflight', 'integrity', 'compliance'].map((id) => html`<a href="#${id}">${id}</a>`)}</nav>
</header>
<main>
${summarySection(r)}
${timelineSection(r)}
${approvalsSection(r)}
${actionsSection(r)}
${gatesSection(r)}
${trafficSection(r)}
${preflightSection(r)}
${integritySection(r)}
${complianceSection(r)}
</main>
</body>
</html>
`.text;
}

function when(s: Stamp | undefined): Html {
  if (!s) return html``;
  const differs = Math.abs(Date.parse(s.wall) - s.at) > 1000;
  return html`<span title="journal entry ${s.seq}">${timeText(s.wall)}</span>${differs ? html`<br><span class="muted">cluster ${timeText(s.cluster)}</span>` : ''}`;
}

function verdict(ok: boolean, yes = 'passed', no = 'failed'): Html {
  return ok ? html`<span class="ok">${yes}</span>` : html`<span class="bad">${no}</span>`;
}

function summarySection(r: Report): Html {
  const s = r.summary;
  const bad = s.status === 'failed' || s.status === 'aborted';
  return html`<section id="summary"><h2>Summary</h2><dl>
<dt>Status</dt><dd>${bad ? html`<span class="bad">${s.status}</span>` : html`<span class="${s.status === 'succeeded' ? 'ok' : 'partial'}">${s.status}</span>`}${s.reason ? html`: ${s.reason}` : ''}</dd>
<dt>Plan</dt><dd>${s.plan ? html`${s.plan.name} <span class="muted">(${s.plan.path})</span><br>sha256 <code>${s.plan.sha256}</code>` : html`<span class="muted">not recorded</span>`}</dd>
<dt>Clusters</dt><dd>${s.clusters.join(', ')}</dd>
<dt>Run by</dt><dd>lease holder ${s.holders.join(', ') || 'not recorded'}${s.host ? html`; last process ${s.host.pid} on host ${s.host.host} since ${timeText(s.host.since)}` : ''}<br><span class="muted">the OS user is not recorded</span></dd>
<dt>Started</dt><dd>${when(s.started)}</dd>
<dt>Ended</dt><dd>${s.ended ? when(s.ended) : html`<span class="muted">not ended</span>`}</dd>
<dt>Duration</dt><dd>${s.durationMs !== undefined ? html`${durationText(s.durationMs)} of cluster time${s.wallDurationMs !== undefined ? html` (${durationText(s.wallDurationMs)} wall clock)` : ''}` : ''}</dd>
<dt>Nodes</dt><dd>${Object.entries(s.nodes).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}</dd>
<dt>Problems</dt><dd>${s.problems.length ? html`<ul class="problems">${s.problems.map((p) => html`<li class="bad">${p}</li>`)}</ul>` : html`<span class="ok">none: every node and region in scope was maintained as planned</span>`}</dd>
${s.warnings.length ? html`<dt>Warnings</dt><dd><ul>${s.warnings.map((w) => html`<li class="partial">${w}</li>`)}</ul></dd>` : ''}
<dt>Resumes, pauses</dt><dd>${s.resumes} resume(s); ${s.pauses.length} pause(s)${s.pauses.map((p) => html`<br>${timeText(p.at.wall)}: ${p.reason}`)}</dd>
</dl>
<h3>Not recorded in the journal</h3><ul>${r.gaps.map((g) => html`<li>${g}</li>`)}</ul>
</section>`;
}

function stepsList(steps: readonly StepTimeline[]): Html {
  return html`${steps.map((st) => html`<div><strong>${st.step}</strong> ${verdict(st.ok, 'ok', 'not ok')} ${durationText(st.durationMs)} <span class="muted">${timeText(st.started.wall)}</span>: ${st.result}</div>`)}`;
}

function timelineSection(r: Report): Html {
  const t = r.timeline;
  const phases = t.phases.map((p) => html`<h3>${p.cluster} · ${p.phase}</h3>
<p>Planned ${when(p.planned)}; budget ${p.budget} node(s) at once; ${p.completed ? html`completed after ${durationText(p.durationMs)}` : html`<span class="partial">not completed</span>`}.${p.excluded.length ? html` Excluded: ${p.excluded.map((x) => `${x.node} (${x.reason})`).join('; ')}.` : ''}${p.windowWaits.map((w) => html` Wave ${w.wave + 1} waited for the window until ${timeText(w.until)}.`)}</p>
<table><thead><tr><th>Wave</th><th>Nodes</th><th>Gates before</th><th>Started</th><th>Duration</th><th>Why this shape</th></tr></thead><tbody>
${p.waves.map((w) => html`<tr><td>${w.index + 1}</td><td>${w.nodes.join(', ')}${w.domain ? html`<br><span class="muted">${w.domain}</span>` : ''}</td><td>${w.gatesPassed === undefined ? html`<span class="muted">none</span>` : verdict(w.gatesPassed)}</td><td>${when(w.started)}</td><td>${w.completed ? durationText(w.durationMs) : html`<span class="muted">${w.started ? 'not completed' : 'not started'}</span>`}${w.soakMs ? html`<br>soak ${durationText(w.soakMs)}` : ''}</td><td>${w.reason ?? ''}</td></tr>`)}
</tbody></table>`);
  const nodes = html`<table><thead><tr><th>Node</th><th>Wave</th><th>Outcome</th><th>Duration</th><th>Steps</th></tr></thead><tbody>
${t.nodes.map((n) => html`<tr><td>${n.cluster}/${n.node}</td><td>${n.phase ?? ''}${n.wave !== undefined ? ` wave ${n.wave + 1}` : ''}</td><td>${n.outcome ? verdict(n.outcome === 'maintained', n.outcome, n.outcome) : html`<span class="partial">not done (see Problems)</span>`}${n.message ? html`<br>${n.message}` : ''}</td><td>${durationText(n.durationMs)}</td><td>${stepsList(n.steps)}</td></tr>`)}
</tbody></table>`;
  const regions = t.regions.map((g) => html`<h3>Region ${g.cluster} <span class="muted">(${g.stage})</span></h3>${stepsList(g.steps)}`);
  return html`<section id="timeline"><h2>Timeline</h2>${phases.length ? phases : html`<p class="muted">No phase was planned.</p>`}<h3>Nodes</h3>${t.nodes.length ? nodes : html`<p class="muted">No node was touched.</p>`}${regions}</section>`;
}

function approvalsSection(r: Report): Html {
  if (r.approvals.length === 0) return html`<section id="approvals"><h2>Approvals</h2><p class="muted">The plan has no approval gate: who authorised this run is not in its journal.</p></section>`;
  return html`<section id="approvals"><h2>Approvals</h2><table><thead><tr><th>Step</th><th>Asked</th><th>Answer</th><th>By</th><th>Answered</th><th>Comment</th></tr></thead><tbody>
${r.approvals.map((a) => html`<tr><td class="mono">${a.step}${a.name ? html`<br><span class="muted">${a.name}</span>` : ''}</td><td>${when(a.requested)}${a.message ? html`<br>${a.message}` : ''}</td><td>${a.status === 'waiting' ? html`<span class="partial">not answered</span>` : verdict(a.status === 'approved', a.status, a.status)}</td><td>${a.by ?? ''}${a.via ? html` <span class="muted">(${a.via})</span>` : ''}</td><td>${a.answeredAt ? timeText(a.answeredAt) : ''}</td><td>${a.comment ?? ''}</td></tr>`)}
</tbody></table></section>`;
}

function actionsSection(r: Report): Html {
  return html`<section id="actions"><h2>Actions</h2><p class="muted">Every change the run made, journaled before it was made and confirmed after.</p>
<table><thead><tr><th>Requested</th><th>Confirmed</th><th>Action</th><th>Target</th><th>Actor</th><th>Result</th></tr></thead><tbody>
${r.actions.map((a) => html`<tr><td>${when(a.requested)}</td><td>${a.confirmed && a.confirmed.seq !== a.requested.seq ? when(a.confirmed) : ''}</td><td>${a.action}</td><td class="mono">${a.target}</td><td>${a.actor}</td><td>${verdict(a.ok, a.result, a.result)}${a.details ? html`<ul class="details">${a.details.map((d) => html`<li>${d}</li>`)}</ul>` : ''}</td></tr>`)}
</tbody></table></section>`;
}

function gateRows(results: readonly GateResult[]): Html {
  return html`${results.map((g) => html`<div>${verdict(g.passed)} <strong>${g.gate}</strong> <span class="muted">(${g.type})</span>${g.value !== undefined ? html` value <code>${g.value}</code>` : ''}${g.threshold ? html` threshold <code>${g.threshold}</code>` : ''}: ${g.message}</div>`)}`;
}

function gatesSection(r: Report): Html {
  const gates = html`<table><thead><tr><th>When</th><th>Cluster</th><th>Check</th><th>Result</th><th>Measurements</th></tr></thead><tbody>
${r.gates.map((g) => html`<tr><td>${when(g.at)}</td><td>${g.cluster}</td><td>${g.context}</td><td>${verdict(g.passed)}</td><td>${g.results.length ? gateRows(g.results) : html`<span class="muted">no gates configured</span>`}</td></tr>`)}
</tbody></table>`;
  const analysis = html`<h3>Canary analysis</h3><table><thead><tr><th>When</th><th>Region</th><th>Step</th><th>Tally</th><th>Measurements</th></tr></thead><tbody>
${r.analysis.map((a) => html`<tr><td>${when(a.at)}</td><td>${a.cluster}</td><td>${a.step}${a.percent !== undefined ? ` (${a.percent}%)` : ''}</td><td>${a.successes} ok, ${a.failures} failed, ${a.inconclusive} no data</td><td>${a.records.map((x) => html`<div>${verdict(x.verdict === 'success', x.verdict, x.verdict)} <strong>${x.analysis}</strong>${x.value !== undefined ? html` value <code>${x.value}</code>` : ''}${x.threshold ? html` threshold <code>${x.threshold}</code>` : ''}: ${x.message}</div>`)}</td></tr>`)}
</tbody></table>`;
  return html`<section id="gates"><h2>Gates and analysis</h2>${r.gates.length ? gates : html`<p class="muted">No gate was evaluated.</p>`}${r.analysis.length ? analysis : ''}</section>`;
}

function trafficSection(r: Report): Html {
  const c = r.traffic;
  const table = html`<details><summary>Weights as data</summary><table><thead><tr><th>When</th><th>Change</th>${c.regions.map((g) => html`<th>${g}</th>`)}</tr></thead><tbody>
${c.points.map((p) => html`<tr><td>${when(p.at)}</td><td>${p.region}: ${p.note}</td>${c.regions.map((g) => html`<td>${p.weights[g] ?? ''}</td>`)}</tr>`)}
</tbody></table></details>`;
  return html`<section id="traffic"><h2>Traffic</h2><p class="muted">Weight of each region at the global load balancer (its own unit); a drained region counts as 0.</p>${trafficSvg(c, r.summary.ended?.at)}${c.points.length ? table : ''}</section>`;
}

function preflightSection(r: Report): Html {
  const p = r.preflight;
  const rows = html`<table><thead><tr><th>Severity</th><th>Rule</th><th>Cluster</th><th>Subject</th><th>Finding</th><th>Fix</th></tr></thead><tbody>
${p.findings.map((f) => html`<tr><td class="${f.severity === 'blocking' ? 'bad' : ''}">${f.severity}</td><td>${f.rule}</td><td>${f.cluster}</td><td class="mono">${f.subject}</td><td>${f.message}</td><td>${f.fix}</td></tr>`)}
</tbody></table>`;
  return html`<section id="preflight"><h2>Preflight findings</h2><p class="muted">${p.note}</p>${p.findings.length ? rows : p.source === 'file' ? html`<p class="ok">No findings.</p>` : ''}</section>`;
}

function integritySection(r: Report): Html {
  const i = r.integrity;
  return html`<section id="integrity"><h2>Journal integrity</h2>
<p class="${i.ok ? 'ok' : 'bad'}" data-chain="${i.ok ? 'intact' : 'broken'}">${i.text}</p>
<dl><dt>Entries verified</dt><dd>${i.verified} of ${i.lines}</dd>${i.lastHash ? html`<dt>Last hash</dt><dd><code>${i.lastHash}</code> (seq ${i.lastSeq})</dd>` : ''}${headRows(i)}${i.break ? html`<dt>First bad entry</dt><dd>line ${i.break.line}${i.break.seq !== undefined ? `, seq ${i.break.seq}` : ''}: ${i.break.kind}</dd>` : ''}</dl>
<p class="muted">${i.keyId !== undefined
    ? `Each entry carries the sha256 of the one before it and an Ed25519 signature over its hash by the journal key, kept outside the state directory; the run anchored its head (seq and hash, signed) in its clusters as it went. This report holds no key: daylight audit verify ${r.runId} checks the signatures against the trusted key and the journal against the anchored head.`
    : `Each entry carries the sha256 of the one before it, but this journal was written before entries were signed: whoever can write the state directory could have rewritten it. Check with daylight audit verify ${r.runId}.`}</p></section>`;
}

/** The run's final head as signed: what the anchor in the cluster must match. */
function headRows(i: Report['integrity']): Html | string {
  if (i.keyId === undefined || i.head?.sig === undefined) return '';
  return html`<dt>Signed head</dt><dd data-head-seq="${i.head.seq}">seq ${i.head.seq}, hash <code>${i.head.hash}</code>, signed by key <code>${i.keyId}</code>: <code>${i.head.sig}</code></dd>`;
}

function complianceSection(r: Report): Html {
  const label = { evidenced: 'evidenced', partial: 'partial', 'not-recorded': 'not recorded' } as const;
  const cls = { evidenced: 'ok', partial: 'partial', 'not-recorded': 'bad' } as const;
  return html`<section id="compliance"><h2>Compliance evidence</h2><p class="muted">Each requirement linked to the evidence this run holds. Requirement wording is paraphrased; the source column says from where and what is unverified.</p>
<table><thead><tr><th>Framework</th><th>Control</th><th>Requirement</th><th>Evidence in this run</th><th>Status</th><th>Source</th></tr></thead><tbody>
${r.compliance.map((c) => html`<tr data-control="${c.control}"><td>${c.framework}</td><td>${c.control} ${c.title}</td><td>${c.requirement}</td><td>${c.evidence}</td><td class="${cls[c.status]}">${label[c.status]}</td><td class="muted">${c.source}</td></tr>`)}
</tbody></table></section>`;
}
