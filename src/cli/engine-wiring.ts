// Wires the engine's ports to the real parts: the planner for waves, the gates, Velero and the control-plane
// probe over each cluster's API, the window calendar and the shell. One place, so `run`, `resume` and the demo run the same engine.
import { evaluateGate } from '../checks/index.ts';
import type { EngineDeps, PhaseWaves, RegionalDeps, Silencer, WindowPort } from '../engine/ports.ts';
import { AlertmanagerSilences } from '../notify/silences.ts';
import { runHook } from '../notify/hooks.ts';
import { platformPort } from '../platform/platform-port.ts';
import type { GateResult, JournalEntry } from '../engine/events.ts';
import type { RunState } from '../engine/state.ts';
import type { KubeCluster } from '../kube/adapter.ts';
import { ApiServerProbe } from '../kube/control-plane.ts';
import type { ApiCall } from '../kube/control-plane.ts';
import type { ClusterSnapshot } from '../kube/types.ts';
import { VeleroBackups } from '../kube/velero.ts';
import type { Clock } from '../lib/clock.ts';
import { shellExec } from '../lib/command-exec.ts';
import type { LoadedPlan } from '../plan/load.ts';
import type { NodesPhase } from '../plan/schema.ts';
import { fitsInWindow, planPhase, windowCalendar } from '../planner/index.ts';
import { upgradePlanner } from '../upgrade/path.ts';
import { versionSource } from '../upgrade/version-source.ts';

export function planWaves(snapshot: ClusterSnapshot, phase: NodesPhase): PhaseWaves {
  const p = planPhase({ snapshot, phase });
  return {
    budget: p.budget.perWave,
    waves: p.waves.map((w, i) => ({ index: i, nodes: w.nodes, domain: w.domain, reason: w.reason, estimateMs: p.eta.waves[i]?.durationMs })),
    excluded: p.excluded.map((x) => ({ node: x.name, reason: x.reason, ...(x.unavailable ? { unavailable: true } : {}) })),
    blockers: p.blockers,
  };
}

/** The first moment at or after `from` when the window is open long enough for the work; never-fitting work starts at the next opening. */
export const windows: WindowPort = {
  nextStart(window, fromMs, durationMs) {
    const calendar = windowCalendar(window);
    let t = fromMs;
    let first: number | undefined;
    for (let i = 0; i < 1000; i++) {
      const open = calendar.openAt(t);
      if (!open) break;
      const start = Math.max(open.startMs, t);
      first ??= start;
      if (fitsInWindow(window, start, durationMs)) return start;
      t = open.endMs + 1;
    }
    return first ?? fromMs;
  },
};

export interface WiringInput {
  readonly regional?: RegionalDeps;
  readonly runId: string;
  readonly plan: LoadedPlan;
  /** The adapters: the engine sees each as its ports; their API caller also backs Velero, the control-plane probe and the gitops gates. */
  readonly clusters: ReadonlyMap<string, KubeCluster>;
  readonly clock: Clock;
  readonly emit: (entry: JournalEntry, state: RunState) => void;
}

export function engineDeps(w: WiringInput): EngineDeps {
  return {
    runId: w.runId,
    plan: w.plan,
    clusters: w.clusters,
    clock: w.clock,
    planPhase: planWaves,
    evaluateGates: async (gates, cluster, signal) => {
      const out: GateResult[] = [];
      const adapter = w.clusters.get(cluster.name);
      for (const g of gates) {
        const r = await evaluateGate(g, { cluster, ...(adapter ? { customResources: adapter } : {}), runId: w.runId, clock: w.clock, signal });
        out.push({ gate: r.gate, type: r.type, passed: r.passed, ...(r.value !== undefined ? { value: r.value } : {}), ...(r.threshold ? { threshold: r.threshold } : {}), message: r.message });
      }
      return out;
    },
    backups: perCluster(w.clusters, (c) => new VeleroBackups({ cluster: c.name, call: apiCall(c) })),
    controlPlane: perCluster(w.clusters, (c) => new ApiServerProbe(apiCall(c))),
    windows,
    platform: platformPort(w.clusters),
    upgrades: upgradePlanner,
    exec: shellExec,
    emit: w.emit,
    ...(w.regional ? { regional: w.regional } : {}),
    ...(w.plan.plan.spec.silences ? { silencer: silencer(w.plan.plan.spec.silences) } : {}),
    ...(w.plan.plan.spec.versionSource ? { versions: versionSource(w.plan.plan.spec.versionSource) } : {}),
    runHook: (hook, vars, signal) => runHook(hook, { vars, signal, now: () => new Date(w.clock.now()) }),
  };
}

function perCluster<T>(clusters: ReadonlyMap<string, KubeCluster>, make: (c: KubeCluster) => T): ReadonlyMap<string, T> {
  return new Map([...clusters].map(([name, c]) => [name, make(c)]));
}

/** The adapter's counted, authenticated request, for the ports that speak to the API server's own paths. */
function apiCall(c: KubeCluster): ApiCall {
  return (method, path, body, signal) => c.raw(method, path, body, signal);
}

/** Silences with a component's own matchers in the plan's Alertmanager, for as long as spec.silences.duration at most. */
function silencer(spec: NonNullable<LoadedPlan['plan']['spec']['silences']>): Silencer {
  const am = new AlertmanagerSilences({ url: spec.alertmanager });
  return {
    alertmanager: am.url,
    create: (matchers, comment, signal) => {
      const now = Date.now();
      return am.create({ matchers: matchers.map((m) => ({ ...m })), startsAt: new Date(now), endsAt: new Date(now + spec.duration.ms), createdBy: 'daylight', comment }, { signal });
    },
    expire: async (id, signal) => void (await am.expire(id, { signal })),
  };
}
