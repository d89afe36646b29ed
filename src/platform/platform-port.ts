// The platform stack as the engine's platform port (src/engine/ports/platform.ts): workspace files read
// and diffed, changelogs attached, each changed component's steps laid out, and the Deployments
// post-check read through the cluster the phase runs on. The CLI wires it; the engine runs what it returns.
import type { PlatformChange, PlatformPort, StepsFor, WorkspacePair } from '../engine/ports/platform.ts';
import type { Cluster } from '../engine/ports/cluster.ts';
import { readChangelogs } from './changelog-read.ts';
import { checkDeployments, deploymentsMeasurement } from './deployments-check.ts';
import { diffWorkspaces } from './diff.ts';
import { loadWorkspaceFile } from './load.ts';
import type { LoadedWorkspace } from './load.ts';
import { platformSteps } from './steps.ts';

/** `clusters`: the run's connected clusters by plan name, for the Deployments post-check. */
export function platformPort(clusters: ReadonlyMap<string, Pick<Cluster, 'name' | 'workloads'>>): PlatformPort {
  return {
    async read(fromPath, toPath) {
      const from = await loadWorkspaceFile(fromPath);
      const to = await loadWorkspaceFile(toPath);
      return pair(from, to);
    },
    async checkDeployments(cluster, expect, signal) {
      const port = clusters.get(cluster);
      if (!port) return { passed: false, message: `cluster ${cluster} is not connected to this run, so its Deployments count as failed` };
      const { passed, value, threshold, message } = deploymentsMeasurement(await checkDeployments(expect, port, signal));
      return { passed, message, ...(value !== undefined ? { value } : {}), ...(threshold !== undefined ? { threshold } : {}) };
    },
  };
}

function pair(from: LoadedWorkspace, to: LoadedWorkspace): WorkspacePair {
  return {
    from: { path: from.path, sha256: from.sha256 },
    to: { path: to.path, sha256: to.sha256 },
    change: async (o) => change(await readChangelogs(diffWorkspaces(from.workspace, to.workspace), to), to, o),
  };
}

function change(diff: Awaited<ReturnType<typeof readChangelogs>>, to: LoadedWorkspace, o: StepsFor): PlatformChange {
  const prometheusUrl = o.prometheus ?? to.workspace.spec.prometheus?.url;
  const components = platformSteps(diff, { cluster: o.cluster, runId: o.runId, ...(o.rollback !== undefined ? { rollback: o.rollback } : {}), ...(prometheusUrl !== undefined ? { prometheusUrl } : {}) });
  return {
    order: diff.order.map((c) => c.name),
    removed: diff.removed.map((c) => c.name),
    downgrades: diff.upgraded.filter((u) => u.direction === 'downgrade').map((u) => `${u.name} ${u.from} → ${u.to}`),
    components,
  };
}
