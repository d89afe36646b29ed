// The precondition of a regional drain (invariant 3): the regions left in service can carry the whole
// load. From the sandbox's balancer (ready endpoints × requests per pod against the demand) or from a
// Prometheus query; a source that cannot answer fails the check.
import { renderTemplate } from '../lib/template.ts';
import type { Capacity } from '../plan/schema.ts';
import type { TrafficSnapshot } from '../lib/traffic-reading.ts';
import { checkPrometheus } from './prometheus.ts';
import type { GateContext, GateResult } from './types.ts';

export async function checkCapacity(c: Capacity, region: string, snapshot: TrafficSnapshot, ctx: Pick<GateContext, 'fetch' | 'signal'>): Promise<GateResult> {
  const gate = `capacity without ${region}`;
  if (c.type === 'prometheus') {
    const m = await checkPrometheus({ type: 'prometheus', url: c.url, query: renderTemplate(c.query, { region }), min: c.min, timeout: c.timeout }, ctx);
    return { gate, type: 'capacity', passed: m.passed, message: m.message, ...(m.value !== undefined ? { value: m.value } : {}), ...(m.threshold ? { threshold: m.threshold } : {}) };
  }
  return fromBalancer(region, snapshot, c.headroom, gate);
}

/** Capacity of the others against the whole demand, as the sandbox's balancer reports both. */
function fromBalancer(region: string, snapshot: TrafficSnapshot, headroom: number, gate: string): GateResult {
  const entries = Object.entries(snapshot.regions);
  const missing = entries.filter(([, t]) => !t.load).map(([n]) => n);
  const threshold = `>= ${headroom}× the demand`;
  if (missing.length > 0) return { gate, type: 'capacity', passed: false, threshold, message: `the balancer reports no load for ${missing.join(', ')}; use traffic.capacity of type prometheus` };
  const demand = entries.reduce((sum, [, t]) => sum + (t.load?.demandRps ?? 0), 0);
  const others = entries.filter(([n]) => n !== region);
  const capacity = others.reduce((sum, [, t]) => sum + (t.weight > 0 || t.state === 'ready' ? (t.load?.capacityRps ?? 0) : 0), 0);
  const ratio = demand > 0 ? capacity / demand : Infinity;
  const shown = Number.isFinite(ratio) ? Number(ratio.toFixed(2)) : 'no demand';
  const what = `${others.map(([n, t]) => `${n} can serve ${Math.round(t.load?.capacityRps ?? 0)} rps`).join(', ')}; the whole demand is ${Math.round(demand)} rps`;
  if (ratio >= headroom) return { gate, type: 'capacity', passed: true, value: shown, threshold, message: `${what} (${shown}×)` };
  return { gate, type: 'capacity', passed: false, value: shown, threshold, message: `${what}: only ${shown}× of it without ${region}; add replicas in the other regions first` };
}
