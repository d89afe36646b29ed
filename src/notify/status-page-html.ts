// The status page as one self-contained HTML file (no script, no external asset, every value escaped):
// a headline, maintenance in progress, recent maintenance and what is planned next.
import { durationText, timeText } from '../lib/human-format.ts';
import { html, trusted } from '../lib/html-escape.ts';
import type { Html } from '../lib/html-escape.ts';
import type { CompletedRun, InProgressRun, StatusPage, UpcomingMaintenance } from './status-page.ts';

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:900px;padding:1rem 1.5rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
.banner{padding:.8rem 1rem;border-radius:6px;font-weight:600}.maintenance{background:#fff8c5;border:1px solid #d4a72c}.no-maintenance{background:#dafbe1;border:1px solid #4ac26b}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
.succeeded{color:#1a7f37}.failed,.aborted{color:#cf222e}.muted{color:#57606a}code{font-family:ui-monospace,monospace;font-size:.9em}`;

export function renderStatusPageHtml(page: StatusPage, title = 'Maintenance status'): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<h1>${title}</h1>
<p class="banner ${page.state}" id="headline" data-state="${page.state}">${page.headline}</p>
<p class="muted">Updated ${timeText(page.generatedAt)}.</p>
<section id="in-progress"><h2>In progress</h2>${page.inProgress.length ? page.inProgress.map(inProgress) : html`<p class="muted">No maintenance in progress.</p>`}</section>
<section id="planned"><h2>Planned</h2>${page.planned.length ? planned(page.planned) : html`<p class="muted">${page.plannedFor ? `Nothing planned by ${page.plannedFor} in the coming days.` : 'No plan was given, so planned maintenance is not shown.'}</p>`}</section>
<section id="recent"><h2>Recent maintenance</h2>${page.recent.length ? recent(page.recent) : html`<p class="muted">No completed maintenance.</p>`}</section>
</body>
</html>
`.text;
}

function inProgress(r: InProgressRun): Html {
  const stale = r.live === false ? html` <strong>No process runs it now</strong>: it was interrupted; resume it or run daylight recover.` : '';
  return html`<article class="run" data-run="${r.runId}">
<h3>${r.plan ?? 'maintenance'} on ${r.clusters.join(', ')} <span class="muted">(${r.status})</span></h3>
<p>Started ${timeText(r.startedAt)}; ${r.nodes.done} of ${r.nodes.total} node(s) done.${r.reason ? html` ${r.reason}.` : ''}${stale}${r.intact ? '' : html` <strong>Its journal's hash chain is broken.</strong>`}</p>
${r.outOfTraffic.length ? html`<p>Out of traffic: ${r.outOfTraffic.map((o, i) => html`${i ? ', ' : ''}<strong class="out-of-traffic">${o.region}</strong> (${o.stage}${o.restoreStepsDone ? `, ${o.restoreStepsDone} restore step(s) passed` : ''})`)}; the other regions serve all requests.</p>` : ''}
${r.phases.length ? html`<ul>${r.phases.map((p) => html`<li>${p.cluster} · ${p.phase}: ${p.wavesDone} of ${p.waves} wave(s)${p.completed ? ', complete' : ''}</li>`)}</ul>` : ''}
<p class="muted">Run <code>${r.runId}</code></p>
</article>`;
}

function planned(list: readonly UpcomingMaintenance[]): Html {
  return html`<table><thead><tr><th>Cluster</th><th>From</th><th>To</th><th>Plan</th></tr></thead><tbody>
${list.map((p) => html`<tr><td>${p.cluster}</td><td>${timeText(p.start)}</td><td>${timeText(p.end)}${p.estimated ? '' : html` <span class="muted">(window)</span>`}</td><td>${p.plan}</td></tr>`)}
</tbody></table>`;
}

function recent(list: readonly CompletedRun[]): Html {
  return html`<table><thead><tr><th>Run</th><th>Result</th><th>Ended</th><th>Took</th></tr></thead><tbody>
${list.map((r) => html`<tr data-run="${r.runId}"><td>${r.plan ?? ''}<br><code class="muted">${r.runId}</code></td><td class="${r.status}">${r.status}${r.reason ? html`: ${r.reason}` : ''}${r.intact ? '' : html` (journal chain broken)`}</td><td>${timeText(r.endedAt)}</td><td>${durationText(r.durationMs)}</td></tr>`)}
</tbody></table>`;
}
