// The traffic chart as inline SVG: one stepped line per region, its weight at the balancer over cluster
// time, with a marker and a tooltip at each change. No script, no external asset: it renders offline.
import { html } from '../lib/html-escape.ts';
import type { Html } from '../lib/html-escape.ts';
import { timeText } from '../lib/human-format.ts';
import type { TrafficChart } from './types.ts';

const WIDTH = 760;
const HEIGHT = 260;
const PAD = { left: 56, right: 16, top: 16, bottom: 40 };
/** Colour-blind-safe (Okabe–Ito). */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
/** Regions at the same weight draw on top of each other: each after the first is dashed so both show. */
const DASHES = ['', '8 4', '2 3', '10 3 2 3'];

export function trafficSvg(chart: TrafficChart, endAt?: number): Html {
  const points = chart.points;
  const first = points[0];
  if (!first || chart.regions.length === 0) return html`<p class="muted">This run did not change traffic at the balancer: no regional phase ran.</p>`;
  const t0 = first.at.at;
  const t1 = Math.max(endAt ?? 0, points[points.length - 1]?.at.at ?? t0, t0 + 1);
  const maxWeight = Math.max(1, ...points.flatMap((p) => Object.values(p.weights)));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (w: number) => HEIGHT - PAD.bottom - (w / maxWeight) * (HEIGHT - PAD.top - PAD.bottom);
  const lines = chart.regions.map((region, i) => {
    const colour = COLOURS[i % COLOURS.length] ?? '#000';
    const mine = points.filter((p) => region in p.weights);
    const start = mine[0];
    if (!start) return html``;
    let d = `M${x(start.at.at).toFixed(1)} ${y(start.weights[region] ?? 0).toFixed(1)}`;
    for (const p of mine.slice(1)) d += ` H${x(p.at.at).toFixed(1)} V${y(p.weights[region] ?? 0).toFixed(1)}`;
    d += ` H${x(t1).toFixed(1)}`;
    const marks = mine.filter((p) => p.region === region).map((p) => html`<circle cx="${x(p.at.at).toFixed(1)}" cy="${y(p.weights[region] ?? 0).toFixed(1)}" r="3.5" fill="${colour}"><title>${region}: weight ${p.weights[region]} at ${timeText(p.at.cluster)} (${p.note})</title></circle>`);
    return html`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${DASHES[i % DASHES.length] ? html` stroke-dasharray="${DASHES[i % DASHES.length]}"` : ''} data-region="${region}"/>${marks}`;
  });
  const legend = chart.regions.map((region, i) => html`<g transform="translate(${PAD.left + i * 150},${HEIGHT - 8})"><rect width="12" height="12" y="-10" fill="${COLOURS[i % COLOURS.length]}"/><text x="16">${region}</text></g>`);
  const ticks = [0, maxWeight / 2, maxWeight].map((w) => html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(w).toFixed(1)}" y2="${y(w).toFixed(1)}" class="grid"/><text x="${PAD.left - 6}" y="${(y(w) + 4).toFixed(1)}" text-anchor="end">${Math.round(w)}</text>`);
  return html`<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" class="chart" aria-label="Weight of each region at the balancer over cluster time">
<title>Weight of each region at the balancer over cluster time</title>
${ticks}
<text x="${PAD.left}" y="${HEIGHT - PAD.bottom + 16}">${timeText(first.at.cluster)}</text>
<text x="${WIDTH - PAD.right}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="end">${timeText(new Date(t1).toISOString())}</text>
${lines}
${legend}
</svg>`;
}
