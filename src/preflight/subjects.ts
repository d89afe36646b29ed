// How findings name things: a pod's workload ("Deployment shop/web"), a budget ("shop/db"), lists
// that stay readable, and quantities in cores and GiB.
import type { PdbView, PodView } from '../kube/types.ts';

/** At most this many items are named in a message; the rest are counted. */
const LISTED = 5;

export interface PodGroup {
  /** "shop/web": the workload, or the pod itself when nothing manages it. */
  readonly subject: string;
  /** "Deployment shop/web", "pod default/debug". */
  readonly label: string;
  readonly kind?: string;
  readonly pods: readonly PodView[];
}

/** The workload a pod belongs to: the Deployment above a ReplicaSet, else its controller. */
export function workloadOf(p: PodView): { kind: string; name: string } | undefined {
  return p.workload ?? (p.controller ? { kind: p.controller.kind, name: p.controller.name } : undefined);
}

/** Groups pods by workload, in first-seen order; unmanaged pods stand alone. */
export function groupByWorkload(pods: readonly PodView[]): PodGroup[] {
  const groups = new Map<string, { subject: string; label: string; kind?: string; pods: PodView[] }>();
  for (const p of pods) {
    const w = workloadOf(p);
    const subject = `${p.namespace}/${w ? w.name : p.name}`;
    const key = w ? `${w.kind} ${subject}` : `pod ${subject}`;
    const group = groups.get(key) ?? { subject, label: key, kind: w?.kind, pods: [] };
    group.pods.push(p);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function pdbName(pdb: PdbView): string {
  return `${pdb.namespace}/${pdb.name}`;
}

export function podName(p: PodView): string {
  return `${p.namespace}/${p.name}`;
}

/** "db-0 on node-a1, db-1 on node-b1". */
export function podsOnNodes(pods: readonly PodView[]): string {
  return list(pods.map((p) => `${p.name} on ${p.nodeName ?? 'no node'}`));
}

export function list(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The verb for a count: "1 pod uses", "2 pods use". */
export function verb(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

export function cores(milliCpu: number): string {
  const value = Math.round(milliCpu / 10) / 100;
  return `${value} ${value === 1 ? 'core' : 'cores'}`;
}

export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

export function distinctNodes(pods: readonly PodView[]): string[] {
  return [...new Set(pods.map((p) => p.nodeName ?? ''))].filter((n) => n !== '').sort();
}
