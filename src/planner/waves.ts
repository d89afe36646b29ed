// The order nodes are maintained in: a canary alone, then wave after wave that takes whole racks before
// splitting one, one zone at a time when topology is serial, and never more than the budgets allow.
import type { PodIndex } from './pdb-index.ts';
import type { Domain, Rack, Topology } from './topology.ts';
import { groupLabel } from './topology.ts';
import type { Wave } from './types.ts';
import type { Candidate, FillRules } from './wave-fill.ts';
import { WaveFill } from './wave-fill.ts';
import { describeWave } from './wave-reason.ts';

export interface WaveInput {
  readonly topology: Topology;
  readonly index: PodIndex;
  /** The most nodes a wave may take (budget − already unavailable). */
  readonly perWave: number;
  readonly canary: number;
  /** "budget 3 of 12" for the reasons. */
  readonly budgetText: string;
  /**
   * Replacement rounds a wave may wait for inside its drain, only when the plan asks (budgetWaitRounds):
   * a budget that allows `a` at once may then have a × (1 + rounds) of its pods in one wave. The Eviction
   * API still lets only `a` go at a time. Absent or 0: every wave keeps every budget.
   */
  readonly pdbRounds?: number;
  /** One wave per topology domain, its nodes maintained `perWave` at a time as slots free up. */
  readonly rolling?: boolean;
}

interface RackLeft {
  readonly rack: Rack;
  nodes: Candidate[];
}

interface DomainLeft {
  readonly domain: Domain;
  readonly racks: readonly RackLeft[];
}

export function buildWaves(input: WaveInput): { waves: Wave[]; blockers: string[] } {
  const { domains, blockers } = candidates(input);
  const rules = fillRules(input);
  const rackLeft = new Map(domains.flatMap((d) => d.racks.map((r) => [r.rack, r] as const)));
  const waves: Wave[] = [];
  const emit = (fill: WaveFill, canary: boolean): boolean => {
    if (fill.taken.length === 0) return false;
    waves.push(toWave(fill, { input, canary, index: waves.length + 1 }));
    for (const r of new Set(fill.taken.map((c) => rackLeft.get(c.rack)))) {
      if (r) r.nodes = r.nodes.filter((c) => !fill.members.has(c));
    }
    return true;
  };
  const first = domains.find((d) => left(d) > 0);
  if (input.canary > 0 && first) emit(fill([first], Math.min(input.canary, input.perWave), rules), true);
  const groups = input.topology.serial ? domains.map((d) => [d]) : [domains];
  if (input.rolling) {
    for (const group of groups) if (group.some((d) => left(d) > 0)) waves.push(rollingWave(group, input, waves.length + 1));
    return { waves, blockers };
  }
  for (const group of groups) {
    let progressing = true;
    while (progressing && group.some((d) => left(d) > 0)) {
      const plan = balanced(group, input.perWave, rules);
      const wave = fill(group, plan.capacity, plan.rules, plan.mandatory);
      topUp(wave, group, rules.allowed);
      progressing = emit(wave, false);
    }
  }
  return { waves, blockers };
}

/** A whole domain as one wave, maintained `perWave` nodes at a time: no node waits for a slower one. */
function rollingWave(group: readonly DomainLeft[], input: WaveInput, index: number): Wave {
  const nodes = group.flatMap((d) => d.racks.flatMap((r) => r.nodes)).sort((a, b) => a.order - b.order);
  const where = group.map((d) => groupLabel(input.topology.noun, d.domain.name)).join(', ');
  const racks = input.topology.rackNoun === undefined ? [] : [...new Set(nodes.map((c) => c.rack.name))];
  return {
    index,
    nodes: nodes.map((c) => c.name),
    domain: group.map((d) => d.domain.name).join('+'),
    racks,
    canary: false,
    concurrency: input.perWave,
    reason: `${where}: ${nodes.length} nodes rolling, ${input.perWave} at a time (${input.budgetText}), each starting as soon as another is done; budgets are kept by the Eviction API`,
  };
}

/**
 * Spreads each budget's pods evenly over the waves the group needs anyway, so the last wave of a zone
 * is not a handful of nodes a budget pushed out of the earlier ones: a wave takes at most
 * ceil(pods left / waves left) of a budget's pods at first (see `topUp` for the rest), never more than
 * the budget allows. When the budgets need more waves than the node budget does, the nodes are spread
 * evenly over those waves too: a wave of `perWave` nodes would take more than its share of the budgets.
 */
function balanced(group: readonly DomainLeft[], perWave: number, rules: FillRules): { rules: FillRules; mandatory: Int32Array; capacity: number } {
  const remaining = new Int32Array(rules.allowed.length);
  let nodes = 0;
  for (const d of group) {
    for (const r of d.racks) {
      nodes += r.nodes.length;
      for (const c of r.nodes) addPairs(remaining, c.pdbs);
    }
  }
  const byNodes = Math.ceil(nodes / Math.max(1, perWave));
  let waves = byNodes;
  let binding = -1;
  remaining.forEach((pods, b) => {
    const allowed = rules.allowed[b] as number;
    if (allowed > 0 && Math.ceil(pods / allowed) > waves) [waves, binding] = [Math.ceil(pods / allowed), b];
  });
  const spread = binding < 0 ? undefined : {
    capacity: Math.min(perWave, Math.ceil(nodes / waves)),
    reason: `${nodes} nodes spread over the ${waves} waves PDB ${rules.pdbNames[binding]} needs for its ${remaining[binding]} pods left, ${rules.allowed[binding]} per wave`,
  };
  const none = new Int32Array(rules.allowed.length);
  if (waves <= 1) return { rules, mandatory: none, capacity: perWave };
  const allowed = Int32Array.from(rules.allowed, (a, b) => (a > 0 ? Math.min(a, Math.ceil((remaining[b] as number) / waves)) : a));
  // What the later waves could not take if this one took less: this wave must take it.
  const mandatory = Int32Array.from(remaining, (pods, b) => Math.max(0, pods - (waves - 1) * (allowed[b] as number)));
  return { rules: { ...rules, allowed, allowance: rules.allowed, ...(spread ? { spread: spread.reason } : {}) }, mandatory, capacity: spread?.capacity ?? perWave };
}

/**
 * A wave the even shares held below its capacity takes more nodes, up to each budget's whole allowance:
 * taking more of a budget now leaves less for the later waves, never more, and a wave saved is worth
 * more than an even spread.
 */
function topUp(wave: WaveFill, group: readonly DomainLeft[], allowance: Int32Array): void {
  if (wave.full || wave.over || wave.taken.length === 0) return;
  wave.widen(allowance);
  for (const d of group) {
    for (const r of d.racks) offerEach(wave, r.nodes);
  }
}

function addPairs(into: Int32Array, pairs: Int32Array | undefined): void {
  if (!pairs) return;
  for (let i = 0; i < pairs.length; i += 2) into[pairs[i] as number] = (into[pairs[i] as number] as number) + (pairs[i + 1] as number);
}

/**
 * Nodes carrying pods a budget must shed in this wave first (see `balanced`), then whole racks that fit,
 * in order; then single nodes, splitting racks.
 */
function fill(domains: readonly DomainLeft[], capacity: number, rules: FillRules, mandatory?: Int32Array): WaveFill {
  const wave = new WaveFill(capacity, rules);
  if (mandatory) takeMandatory(wave, domains, mandatory);
  for (const d of domains) {
    for (const r of d.racks) {
      if (wave.full) return wave;
      const rest = r.nodes.filter((c) => !wave.members.has(c));
      const fits = rest.length > 0 && rest.length <= capacity - wave.taken.length && r.nodes.length <= r.rack.room;
      if (fits) wave.offerAll(rest);
    }
  }
  for (const d of domains) {
    for (const r of d.racks) offerEach(wave, r.nodes);
  }
  return wave;
}

function takeMandatory(wave: WaveFill, domains: readonly DomainLeft[], mandatory: Int32Array): void {
  mandatory.forEach((need, b) => {
    for (const d of domains) {
      for (const r of d.racks) {
        for (const c of r.nodes) {
          if (wave.podsOf(b) >= need || wave.full) return;
          if (!wave.members.has(c) && podsOfBudget(c, b) > 0) wave.offer(c);
        }
      }
    }
  });
}

function podsOfBudget(c: Candidate, budget: number): number {
  const pairs = c.pdbs;
  if (!pairs) return 0;
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === budget) return pairs[i + 1] as number;
  return 0;
}

function offerEach(wave: WaveFill, nodes: readonly Candidate[]): void {
  for (const c of nodes) {
    if (wave.full) return;
    if (!wave.members.has(c)) wave.offer(c);
  }
}

function left(d: DomainLeft): number {
  return d.racks.reduce((n, r) => n + r.nodes.length, 0);
}

function candidates(input: WaveInput): { domains: DomainLeft[]; blockers: string[] } {
  const { topology, index } = input;
  const blockers: string[] = [];
  const domains: DomainLeft[] = [];
  let order = 0;
  for (const domain of topology.domains) {
    const maintained = domain.racks.some((r) => r.nodes.length > 0);
    if (!maintained) continue;
    if (domain.room <= 0) {
      blockers.push(noRoom(topology, domain, topology.domainCap));
      continue;
    }
    const racks = domain.racks.map((rack) => {
      if (rack.room <= 0 && rack.nodes.length > 0) blockers.push(noRoom(topology, rack, topology.rackCap, domain));
      const nodes = rack.room <= 0 ? [] : rack.nodes.map((name) => ({ name, order: order++, domain, rack, pdbs: index.nodePdbs.get(name) }));
      return { rack, nodes };
    });
    domains.push({ domain, racks });
  }
  return { domains, blockers };
}

function noRoom(t: Topology, group: Domain | Rack, cap: number | string | undefined, within?: Domain): string {
  const where = within ? `${groupLabel(t.noun, within.name)}, ${groupLabel(t.rackNoun ?? 'rack', group.name)}` : groupLabel(t.noun, group.name);
  const field = within ? 'topology.then.maxPerDomain' : 'topology.maxPerDomain';
  return `${where}: ${field} ${String(cap)} leaves no room because its nodes already unavailable fill it, so its ${group.size} nodes cannot be maintained; uncordon or repair them, or raise ${field}`;
}

/** Pods of each budget (by index) a wave may hold: its allowance, times 1 + rounds when waves may wait on budgets. */
export function waveAllowances(index: PodIndex, pdbRounds: number | undefined): Int32Array {
  const rounds = Math.max(0, Math.floor(pdbRounds ?? 0));
  return Int32Array.from(index.pdbs, (p) => p.allowed * (1 + rounds));
}

function fillRules(input: WaveInput): FillRules {
  const t = input.topology;
  return {
    allowed: waveAllowances(input.index, input.pdbRounds),
    pdbNames: input.index.pdbs.map((p) => p.name),
    domainCapText: `maxPerDomain ${String(t.domainCap)} per ${t.noun}`,
    rackCapText: `maxPerDomain ${String(t.rackCap)} per ${t.rackNoun ?? 'rack'}`,
  };
}

function toWave(fill: WaveFill, at: { input: WaveInput; canary: boolean; index: number }): Wave {
  const taken = [...fill.taken].sort((a, b) => a.order - b.order);
  const domains = unique(taken.map((c) => c.domain));
  const racks = at.input.topology.rackNoun === undefined ? [] : unique(taken.map((c) => c.rack)).map((r) => r.name);
  return {
    index: at.index,
    nodes: taken.map((c) => c.name),
    domain: domains.map((d) => d.name).join('+'),
    racks,
    canary: at.canary,
    reason: describeWave(fill, { topology: at.input.topology, canary: at.canary, budgetText: at.input.budgetText, taken }),
  };
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
