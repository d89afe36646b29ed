// A kubernetes phase naming a minor (to: v1.31) installs the newest patch its version source offers: asked
// when the phase starts on a cluster, journaled (version.resolved) before anything is installed. With the
// rollout's versions consistent (the default) the run asks once and every later cluster and stage takes that
// release, whatever the source offers by then: what was validated early is what ships late (Fleet Manager's
// "Consistent"). With versions latest each cluster asks when it starts. A resumed run takes what it recorded.
import type { RunEvent } from './events.ts';
import { RunFailure } from './run-failure.ts';
import type { EngineDeps } from './ports.ts';
import type { RunState } from './state.ts';
import type { KubernetesPhase } from '../plan/schema.ts';

export interface VersionQuestion {
  readonly deps: EngineDeps;
  readonly record: (e: RunEvent) => Promise<void>;
  readonly state: () => RunState;
  readonly cluster: string;
  readonly signal: AbortSignal;
  readonly mode: 'consistent' | 'latest';
}

const EXACT = /^v(\d+)\.(\d+)\.(\d+)$/;

/** The phase with `to` an exact release: as written, or resolved from its minor. */
export async function resolvePhaseVersion(q: VersionQuestion, phase: KubernetesPhase): Promise<KubernetesPhase> {
  if (EXACT.test(phase.to)) return phase;
  const key = q.mode === 'consistent' ? `kubernetes ${phase.to}` : `kubernetes ${phase.to} on ${q.cluster}`;
  const known = q.state().versions[key];
  if (known) return { ...phase, to: known };
  const source = q.deps.versions;
  if (!source) throw new RunFailure(`phase ${phase.name}: ${phase.to} names a minor, and this run has no version source to take its newest patch from; set spec.versionSource, or write the full version`);
  let offered: readonly string[];
  try {
    offered = await source.kubernetes(q.signal);
  } catch (e: unknown) {
    if (q.signal.aborted) throw e;
    throw new RunFailure(`phase ${phase.name} on ${q.cluster}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const patches = offered.filter((v) => v.startsWith(`${phase.to}.`) && EXACT.test(v)).sort((a, b) => patch(a) - patch(b));
  const version = patches.at(-1);
  if (!version) throw new RunFailure(`phase ${phase.name} on ${q.cluster}: ${source.describe} offers no ${phase.to}.x release (it offers ${offered.slice(0, 10).join(', ') || 'none'})`);
  await q.record({ type: 'version.resolved', key, version, from: source.describe, offered: patches, cluster: q.cluster });
  return { ...phase, to: q.state().versions[key] ?? version };
}

function patch(v: string): number {
  return Number(EXACT.exec(v)?.[3] ?? -1);
}
