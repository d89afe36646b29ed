// The fewest waves any schedule of this phase can have when every wave keeps every budget: the count behind
// the planner's tightest lower bound, and the budget (and zone) that forces it.
//
// Why it is a lower bound. A valid schedule of the phase is a sequence of waves, one after another, that
// together take every plannable node once, where each wave
//   (1) takes at most c = perWave nodes, and at most the room of each zone and rack (maxPerDomain caps);
//   (2) takes nodes of one zone only when topology is serial;
//   (3) takes at most A_b pods of each budget b (its allowance per wave), unless it is a single node that
//       alone holds more than A_b ("blocked": such a node can only ever go alone);
//   (4) if the plan has a canary, the first wave takes at most k = min(canary, c) nodes.
// Take a group G of nodes no wave crosses (a zone when serial, else the whole cluster), with H blocked nodes
// and n other nodes holding p_b pods of budget b. Each blocked node fills a wave of its own (3). The other n
// nodes share no wave with a blocked one, and each of their waves holds at most c of them (1) and at most A_b
// pods of b (3), so they need at least max(ceil(n / c), ceil(n_z / room_z), ceil(n_r / room_r), ceil(p_b / A_b))
// waves: fewer would leave a node or a pod of b without a place. So G needs at least L_G = H + that many.
// With a canary (4) that is not a blocked node, the canary wave holds at most k nodes and at most
// m_b = min(A_b, k × the most pods of b on one node of G) pods of b, so G needs at least
// C_G = 1 + H + max(ceil((n − k) / c), ceil((p_b − m_b) / A_b)) waves, and max(L_G, C_G) in all. The canary
// goes in one group, whichever the schedule picks, so the schedule has at least
// Σ_G L_G + min_G (max(L_G, C_G) − L_G) waves (without the canary bonus when G has a blocked node, which
// could be the canary). Each wave drains, acts on, readies and soaks its nodes before the next starts, so it
// lasts at least one node cycle T_node (the quickest node's), and the schedule lasts at least waves × T_node.
// It ignores what a schedule could gain from replacements being Ready before a node is back: waves are
// barriers in this engine. Rolling phases are not waves in this sense and get no such bound.
import { groupLabel } from './topology.ts';
import type { Topology } from './topology.ts';
import type { PodIndex } from './pdb-index.ts';

export interface FewestWaves {
  readonly waves: number;
  /** The budget that needs the most waves in one group, where budgets need more than the nodes do. */
  readonly pdb?: { readonly name: string; readonly pods: number; readonly allowed: number; readonly where: string };
}

export interface WaveBoundInput {
  readonly topology: Topology;
  readonly index: PodIndex;
  /** Pods of each budget (by index) a wave may hold: A_b. */
  readonly allowed: Int32Array;
  readonly perWave: number;
  readonly canary: number;
}

interface Group {
  readonly where: string;
  blocked: number;
  nodes: number;
  /** Most ceil(n / room) over its zones and racks. */
  capWaves: number;
  readonly pods: Int32Array;
  readonly mostOnNode: Int32Array;
}

export function fewestWaves(input: WaveBoundInput): FewestWaves {
  const groups = loads(input).filter((g) => g.nodes + g.blocked > 0);
  const c = Math.max(1, input.perWave);
  const k = Math.min(input.canary, c);
  let waves = 0;
  let bonus = k > 0 && groups.length > 0 ? Infinity : 0;
  let binding: FewestWaves['pdb'];
  let bindingWaves = 0;
  for (const g of groups) {
    const byBudget = budgetWaves(g, input.allowed, new Int32Array(g.pods.length));
    const plain = g.blocked + Math.max(Math.ceil(g.nodes / c), g.capWaves, byBudget.waves);
    waves += plain;
    if (byBudget.waves > Math.ceil(g.nodes / c) && byBudget.waves > bindingWaves && byBudget.b >= 0) {
      bindingWaves = byBudget.waves;
      binding = { name: input.index.pdbs[byBudget.b]?.name ?? '?', pods: g.pods[byBudget.b] as number, allowed: input.allowed[byBudget.b] as number, where: g.where };
    }
    if (k > 0) bonus = Math.min(bonus, canaryWaves(g, input.allowed, { c, k, plain }) - plain);
  }
  return { waves: waves + Math.max(0, bonus), ...(binding ? { pdb: binding } : {}) };
}

/** max(L_G, C_G) for a group that takes the canary; L_G when a blocked node could be the canary. */
function canaryWaves(g: Group, allowed: Int32Array, at: { c: number; k: number; plain: number }): number {
  if (g.blocked > 0 || g.nodes === 0) return at.plain;
  const k = Math.min(at.k, g.nodes);
  const inCanary = Int32Array.from(g.mostOnNode, (most, b) => Math.min(allowed[b] as number, k * most));
  return Math.max(at.plain, 1 + Math.max(Math.ceil((g.nodes - k) / at.c), budgetWaves(g, allowed, inCanary).waves));
}

/** Most ceil((p_b − taken_b) / A_b) over the budgets, and which budget it is (−1: none). */
function budgetWaves(g: Group, allowed: Int32Array, taken: Int32Array): { waves: number; b: number } {
  let most = { waves: 0, b: -1 };
  g.pods.forEach((pods, b) => {
    const a = allowed[b] as number;
    const waves = a > 0 ? Math.ceil(Math.max(0, pods - (taken[b] as number)) / a) : 0;
    if (waves > most.waves) most = { waves, b };
  });
  return most;
}

/** Per group: its blocked nodes, the others, and their pods per budget; zones and racks without room are not planned and left out. */
function loads(input: WaveBoundInput): Group[] {
  const { topology, index, allowed } = input;
  const budgets = allowed.length;
  const cluster = newGroup(topology.keyed ? `the ${topology.noun}s` : 'the cluster', budgets);
  const groups: Group[] = topology.serial ? [] : [cluster];
  for (const domain of topology.domains) {
    if (domain.room <= 0) continue;
    const g = topology.serial ? newGroup(topology.keyed ? groupLabel(topology.noun, domain.name) : 'the cluster', budgets) : cluster;
    if (topology.serial) groups.push(g);
    let inDomain = 0;
    for (const rack of domain.racks) {
      if (rack.room <= 0) continue;
      let inRack = 0;
      for (const name of rack.nodes) {
        const pairs = index.nodePdbs.get(name);
        if (isBlocked(pairs, allowed)) {
          g.blocked++;
          continue;
        }
        g.nodes++;
        inRack++;
        for (let i = 0; pairs && i < pairs.length; i += 2) {
          const b = pairs[i] as number;
          const pods = pairs[i + 1] as number;
          g.pods[b] = (g.pods[b] as number) + pods;
          g.mostOnNode[b] = Math.max(g.mostOnNode[b] as number, pods);
        }
      }
      inDomain += inRack;
      g.capWaves = Math.max(g.capWaves, Math.ceil(inRack / rack.room));
    }
    g.capWaves = Math.max(g.capWaves, Math.ceil(inDomain / domain.room));
  }
  return groups;
}

function isBlocked(pairs: Int32Array | undefined, allowed: Int32Array): boolean {
  for (let i = 0; pairs && i < pairs.length; i += 2) if ((pairs[i + 1] as number) > (allowed[pairs[i] as number] as number)) return true;
  return false;
}

function newGroup(where: string, budgets: number): Group {
  return { where, blocked: 0, nodes: 0, capWaves: 0, pods: new Int32Array(budgets), mostOnNode: new Int32Array(budgets) };
}
