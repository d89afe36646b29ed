// The referee: what an outside observer of the whole fleet counts, served at /sandbox/v1/referee in the
// shape DESIGN.md section 7 fixes. Tests and benchmarks judge runs by it, never by Daylight's own word.
import type { Pod } from './k8s-types.ts';
import type { RefereeSink } from './sim/context.ts';

export interface TrafficCount {
  served: number;
  failed: number;
}

export interface RefereeReport {
  evictions: { accepted: number; rejectedByPdb: number };
  podsKilledWithoutEviction: number;
  pdbBreaches: number;
  maxConcurrentUnavailableNodes: Record<string, number>;
  reboots: Record<string, number>;
  traffic: { served: number; failed: number; byRegion: Record<string, TrafficCount> };
}

export interface KillRecord {
  readonly region: string;
  readonly pod: string;
  readonly how: string;
}

export class Referee implements RefereeSink {
  private readonly accepted = new Map<string, number>();
  private readonly rejected = new Map<string, number>();
  private breaches = 0;
  private readonly kills: KillRecord[] = [];
  private readonly breachLog: string[] = [];
  private readonly maxUnavailable = new Map<string, number>();
  private readonly rebootCount = new Map<string, number>();
  private readonly traffic = new Map<string, TrafficCount>();

  constructor(regions: readonly string[]) {
    for (const r of regions) {
      this.maxUnavailable.set(r, 0);
      this.traffic.set(r, { served: 0, failed: 0 });
    }
  }

  evictionAccepted(region: string): void {
    this.accepted.set(region, (this.accepted.get(region) ?? 0) + 1);
  }

  evictionRejectedByPdb(region: string): void {
    this.rejected.set(region, (this.rejected.get(region) ?? 0) + 1);
  }

  evictionsIn(region: string): { accepted: number; rejectedByPdb: number } {
    return { accepted: this.accepted.get(region) ?? 0, rejectedByPdb: this.rejected.get(region) ?? 0 };
  }

  podKilledWithoutEviction(region: string, pod: Pod, how: string): void {
    this.kills.push({ region, pod: `${pod.metadata.namespace}/${pod.metadata.name}`, how });
  }

  reboot(region: string, node: string): void {
    const key = `${region}/${node}`;
    this.rebootCount.set(key, (this.rebootCount.get(key) ?? 0) + 1);
  }

  pdbBreach(region: string, pdb: string): void {
    this.breaches++;
    this.breachLog.push(`${region}/${pdb}`);
  }

  unavailableNodes(region: string, count: number): void {
    this.maxUnavailable.set(region, Math.max(this.maxUnavailable.get(region) ?? 0, count));
  }

  requests(region: string, served: number, failed: number): void {
    const t = this.traffic.get(region) ?? { served: 0, failed: 0 };
    t.served += served;
    t.failed += failed;
    this.traffic.set(region, t);
  }

  report(): RefereeReport {
    const byRegion: Record<string, TrafficCount> = {};
    let served = 0;
    let failed = 0;
    for (const [region, t] of this.traffic) {
      byRegion[region] = { served: Math.round(t.served), failed: Math.round(t.failed) };
      served += t.served;
      failed += t.failed;
    }
    return {
      evictions: { accepted: sum(this.accepted), rejectedByPdb: sum(this.rejected) },
      podsKilledWithoutEviction: this.kills.length,
      pdbBreaches: this.breaches,
      maxConcurrentUnavailableNodes: Object.fromEntries(this.maxUnavailable),
      reboots: Object.fromEntries([...this.rebootCount].sort((a, b) => a[0].localeCompare(b[0]))),
      traffic: { served: Math.round(served), failed: Math.round(failed), byRegion },
    };
  }

  /** Which pods died without eviction and which budgets were breached, for diagnostics. */
  details(): { kills: readonly KillRecord[]; breaches: readonly string[] } {
    return { kills: this.kills, breaches: this.breachLog };
  }
}

function sum(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}
