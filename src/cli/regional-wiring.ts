// Wires regional phases: the plan's traffic provider to its adapter, capacity and analysis to the
// checks, silences to Alertmanager. The manual provider asks through the run's control file, answered
// by `daylight confirm RUN`.
import { regionChecks } from '../checks/region-checks.ts';
import type { RegionalDeps, SilencePort } from '../engine/ports.ts';
import { ControlReader } from '../engine/run-dir.ts';
import type { RunPaths } from '../engine/run-dir.ts';
import type { KubeCluster } from '../kube/adapter.ts';
import type { Clock } from '../lib/clock.ts';
import { abortError, systemClock } from '../lib/clock.ts';
import { UserError } from '../lib/errors.ts';
import { AlertmanagerSilences, renderMatchers } from '../notify/silences.ts';
import type { Plan } from '../plan/schema.ts';
import { HaproxyTraffic } from '../traffic/haproxy.ts';
import { ManualTraffic } from '../traffic/manual.ts';
import type { Confirm } from '../traffic/manual.ts';
import { SandboxTraffic } from '../traffic/sandbox.ts';
import type { TrafficPort } from '../engine/ports/traffic.ts';
import { GatewayApiTraffic } from '../traffic/gateway-api.ts';

export interface RegionalWiring {
  readonly plan: Plan;
  readonly clusters: ReadonlyMap<string, KubeCluster>;
  readonly clock: Clock;
  readonly runId: string;
  readonly paths: RunPaths;
  /** Where the manual provider's questions go (the terminal or the JSON stream). */
  readonly ask: (question: string) => void;
}

/** The regional deps when the plan has a regional phase; undefined otherwise. */
export function regionalDeps(w: RegionalWiring): RegionalDeps | undefined {
  const policy = w.plan.spec.traffic;
  if (!policy || policy.provider === 'none' || !w.plan.spec.phases.some((p) => p.regional)) return undefined;
  const traffic = trafficAdapter(w);
  return {
    traffic,
    policy,
    ...regionChecks({ capacity: policy.capacity, clock: w.clock }),
    ...(w.plan.spec.silences ? { silences: silencePort(w) } : {}),
  };
}

export function trafficAdapter(w: Pick<RegionalWiring, 'plan' | 'clusters' | 'clock' | 'paths' | 'ask'>): TrafficPort {
  const policy = w.plan.spec.traffic;
  const regions = w.plan.spec.clusters.map((c) => c.name);
  const servers = policy?.servers ?? {};
  switch (policy?.provider) {
    case 'sandbox': {
      const first = w.clusters.values().next().value;
      if (!first) throw new UserError('the plan names no cluster');
      return new SandboxTraffic({ regions, call: (method, path, body, signal) => first.raw(method, path, body, signal) });
    }
    case 'haproxy':
      if (!policy.haproxy) throw new UserError('spec.traffic.haproxy is missing');
      return new HaproxyTraffic({ runtimeApi: policy.haproxy.runtimeApi, backend: policy.haproxy.backend, servers: withDefaults(regions, servers), clock: w.clock });
    case 'gateway-api': {
      const g = policy.gatewayApi;
      if (!g) throw new UserError('spec.traffic.gatewayApi is missing');
      const holder = w.clusters.get(g.cluster);
      if (!holder) throw new UserError(`spec.traffic.gatewayApi.cluster "${g.cluster}" is not one of the plan's clusters (${regions.join(', ')})`);
      return new GatewayApiTraffic({ ...g, servers: withDefaults(regions, servers), call: (method, path, body, signal) => holder.raw(method, path, body, signal) });
    }
    case 'manual':
      return new ManualTraffic({ regions, servers, confirm: controlFileConfirm(w.paths, w.ask) });
    default:
      throw new UserError('spec.traffic.provider is none; regional phases need a provider');
  }
}

function withDefaults(regions: readonly string[], servers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(regions.map((r) => [r, servers[r] ?? r]));
}

/**
 * The question goes out; a `confirm` appended to the run's control file after it answers. The file is read
 * every 200 ms of `clock` (real time by default: a person answers, whatever the cluster's speed).
 */
export function controlFileConfirm(paths: RunPaths, ask: (question: string) => void, clock: Clock = systemClock): Confirm {
  return async (question, signal) => {
    const reader = new ControlReader(paths);
    ask(`${question}\n  → confirm with: daylight confirm ${paths.runId}`);
    for (;;) {
      if (signal?.aborted) throw abortError();
      if (reader.poll().includes('confirm')) return;
      await clock.sleep(CONFIRM_POLL_MS, signal);
    }
  };
}

const CONFIRM_POLL_MS = 200;

function silencePort(w: RegionalWiring): SilencePort {
  const spec = w.plan.spec.silences;
  if (!spec) throw new UserError('spec.silences is missing');
  const am = new AlertmanagerSilences({ url: spec.alertmanager });
  return {
    alertmanager: am.url,
    create: (region, marker, signal) => {
      const now = Date.now();
      const matchers = renderMatchers(spec.matchers, { cluster: region, region, run: w.runId });
      return am.create({ matchers, startsAt: new Date(now), endsAt: new Date(now + spec.duration.ms), createdBy: 'daylight', comment: `${marker}: maintenance of ${region} by plan ${w.plan.metadata.name}` }, { signal });
    },
    expire: async (id, signal) => void (await am.expire(id, { signal })),
  };
}
