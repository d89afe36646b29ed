// The weight of each region at the global load balancer over the run, from the journal's traffic
// entries: the balancer as it was before, each drain (weight 0 for new traffic), each restore step, each
// switch-back, and the weights at the end.
import type { JournalEntry, RunEvent } from '../engine/events.ts';
import { stampOf } from './stamp.ts';
import type { TrafficChart, TrafficPoint } from './types.ts';

type Change = { readonly region: string; readonly weight: number; readonly note: string };

export function buildTrafficChart(entries: readonly JournalEntry[]): TrafficChart {
  const weights: Record<string, number> = {};
  const initial: Record<string, number> = {};
  const points: TrafficPoint[] = [];
  for (const entry of entries) {
    const e = entry.event;
    if (e.type === 'traffic.before') {
      const fresh = Object.entries(e.regions).filter(([r]) => !(r in weights));
      for (const [r, t] of fresh) {
        weights[r] = t.weight;
        initial[r] = t.initialWeight;
      }
      if (fresh.length > 0 || points.length === 0) points.push({ at: stampOf(entry), weights: { ...weights }, region: e.cluster, event: e.type, note: 'the balancer before the run changed it' });
      continue;
    }
    const change = changeOf(e, initial);
    if (!change) continue;
    weights[change.region] = change.weight;
    points.push({ at: stampOf(entry), weights: { ...weights }, region: change.region, event: e.type, note: change.note });
  }
  return { unit: 'weight', regions: Object.keys(weights).sort(), points };
}

function changeOf(e: RunEvent, initial: Readonly<Record<string, number>>): Change | undefined {
  switch (e.type) {
    case 'traffic.drained':
      return { region: e.cluster, weight: 0, note: 'drained: no new traffic' };
    case 'traffic.step.set': {
      const weight = e.weight ?? Math.round(((initial[e.cluster] ?? 0) * e.percent) / 100);
      return { region: e.cluster, weight, note: `restore step ${e.step + 1}: ${e.percent}%` };
    }
    case 'traffic.cut':
      return { region: e.cluster, weight: e.weight, note: `switch-back: ${e.reason}` };
    case 'traffic.restored':
      return { region: e.cluster, weight: e.weight, note: 'restored' };
    case 'traffic.put-back':
      return { region: e.cluster, weight: e.weight, note: `put back by ${e.by}` };
    default:
      return undefined;
  }
}
