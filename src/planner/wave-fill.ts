// One wave being filled: it takes a node only while the wave stays within the node budget, the per-zone
// and per-rack caps, and every PodDisruptionBudget's allowance; the first node is always taken.
import type { Domain, Rack } from './topology.ts';

export interface Candidate {
  readonly name: string;
  /** Position in topology order (domain, rack, name). */
  readonly order: number;
  readonly domain: Domain;
  readonly rack: Rack;
  /** Flat pairs [budget index, pods of it on the node]. */
  readonly pdbs?: Int32Array;
}

export interface FillRules {
  /** Pods of each budget this wave may take: its allowance, or less to leave the budget's pods to later waves. */
  readonly allowed: Int32Array;
  /** What each budget allows per wave, when `allowed` asks for less: a node alone over it goes alone. */
  readonly allowance?: Int32Array;
  readonly pdbNames: readonly string[];
  /** Why the wave's capacity is below the node budget: the budgets need more waves than the nodes do. */
  readonly spread?: string;
  /** Refusal texts for the caps: "maxPerDomain 2 per zone", "1 per rack". */
  readonly domainCapText: string;
  readonly rackCapText: string;
}

export class WaveFill {
  readonly taken: Candidate[] = [];
  readonly members = new Set<Candidate>();
  readonly capacity: number;
  /** Why the first node turned away was refused; says what held the wave below its capacity. */
  limit: string | undefined;
  /** The budget the wave's first node alone exceeds: then the wave takes no other node. */
  over: { readonly pdb: number; readonly pods: number } | undefined;
  readonly rules: FillRules;
  private caps: Int32Array;
  private readonly counts: Int32Array;
  private readonly perDomain = new Map<Domain, number>();
  private readonly perRack = new Map<Rack, number>();

  constructor(capacity: number, rules: FillRules) {
    this.capacity = capacity;
    this.rules = rules;
    this.caps = rules.allowed;
    this.counts = new Int32Array(rules.allowed.length);
  }

  /** From now on each budget caps the wave at `caps` (at most its allowance); what held the wave so far is forgotten. */
  widen(caps: Int32Array): void {
    this.caps = caps;
    this.limit = undefined;
  }

  /** What the budget allows per wave. */
  allowanceOf(budget: number): number {
    return (this.rules.allowance ?? this.rules.allowed)[budget] as number;
  }

  get full(): boolean {
    return this.taken.length >= this.capacity;
  }

  /** Takes every node or none of them (a whole rack). */
  offerAll(nodes: readonly Candidate[]): boolean {
    const before = this.taken.length;
    for (const c of nodes) {
      if (this.refusal(c) === undefined) this.add(c);
      else {
        while (this.taken.length > before) this.remove(this.taken[this.taken.length - 1] as Candidate);
        return false;
      }
    }
    return true;
  }

  /** Takes the node if the rules allow; remembers the first refusal as the wave's limit. */
  offer(c: Candidate): boolean {
    const why = this.refusal(c);
    if (why === undefined) this.add(c);
    else if (!this.full) this.limit ??= why;
    return why === undefined;
  }

  refusal(c: Candidate): string | undefined {
    if (this.full) return 'the node budget';
    if ((this.perDomain.get(c.domain) ?? 0) >= c.domain.room) return this.rules.domainCapText;
    if ((this.perRack.get(c.rack) ?? 0) >= c.rack.room) return this.rules.rackCapText;
    if (this.taken.length === 0) return undefined;
    if (this.over) return `PDB ${this.rules.pdbNames[this.over.pdb]}`;
    return this.pdbRefusal(c);
  }

  /** Pods of each budget on the wave's nodes. */
  podsOf(budget: number): number {
    return this.counts[budget] as number;
  }

  private pdbRefusal(c: Candidate): string | undefined {
    const pairs = c.pdbs;
    if (!pairs) return undefined;
    for (let i = 0; i < pairs.length; i += 2) {
      const b = pairs[i] as number;
      const allowed = this.caps[b] as number;
      if ((this.counts[b] as number) + (pairs[i + 1] as number) > allowed) return `PDB ${this.rules.pdbNames[b]} (${allowed} of its pods per wave)`;
    }
    return undefined;
  }

  private add(c: Candidate): void {
    this.taken.push(c);
    this.members.add(c);
    this.perDomain.set(c.domain, (this.perDomain.get(c.domain) ?? 0) + 1);
    this.perRack.set(c.rack, (this.perRack.get(c.rack) ?? 0) + 1);
    this.count(c, 1);
    if (this.taken.length === 1) this.over = this.exceeded(c);
  }

  private remove(c: Candidate): void {
    this.taken.splice(this.taken.lastIndexOf(c), 1);
    this.members.delete(c);
    this.perDomain.set(c.domain, (this.perDomain.get(c.domain) ?? 1) - 1);
    this.perRack.set(c.rack, (this.perRack.get(c.rack) ?? 1) - 1);
    this.count(c, -1);
    if (this.taken.length === 0) this.over = undefined;
  }

  private count(c: Candidate, sign: 1 | -1): void {
    const pairs = c.pdbs;
    if (!pairs) return;
    for (let i = 0; i < pairs.length; i += 2) {
      const b = pairs[i] as number;
      this.counts[b] = (this.counts[b] as number) + sign * (pairs[i + 1] as number);
    }
  }

  private exceeded(c: Candidate): { pdb: number; pods: number } | undefined {
    const pairs = c.pdbs;
    if (!pairs) return undefined;
    for (let i = 0; i < pairs.length; i += 2) {
      const b = pairs[i] as number;
      if ((pairs[i + 1] as number) > this.allowanceOf(b)) return { pdb: b, pods: pairs[i + 1] as number };
    }
    return undefined;
  }
}
