// Post-check "new versions deployed": each Deployment a component names has finished rolling out (every
// replica updated and available, its generation observed) and a container of its pod template runs the
// image tag asked for. Read through the cluster's workloads port; one result per Deployment, as data.
import { isAbortError } from '../lib/errors.ts';
import { describeError } from '../checks/signals.ts';
import type { Measurement } from '../checks/types.ts';
import type { Cluster } from '../engine/ports/cluster.ts';
import type { WorkloadView } from '../engine/ports/cluster-views.ts';
import { sameVersionText } from './semver.ts';
import type { DeploymentExpectation } from './steps.ts';

export interface DeploymentResult {
  /** "<namespace>/<name>" */
  readonly name: string;
  readonly passed: boolean;
  /** What was seen, with live numbers and images. */
  readonly message: string;
}

/** Fails closed: when the workloads cannot be read, every Deployment fails with the reason. The caller's abort passes through. */
export async function checkDeployments(expect: readonly DeploymentExpectation[], cluster: Pick<Cluster, 'name' | 'workloads'>, signal?: AbortSignal): Promise<DeploymentResult[]> {
  let workloads: WorkloadView[];
  try {
    workloads = await cluster.workloads.list(signal);
  } catch (e: unknown) {
    if (signal?.aborted || isAbortError(e)) throw e;
    const reason = `could not list the workloads of ${cluster.name}, so it counts as failed: ${describeError(e)}`;
    return expect.map((x) => ({ name: `${x.namespace}/${x.name}`, passed: false, message: reason }));
  }
  return expect.map((x) => judgeDeployment(x, workloads.find((w) => w.kind === 'Deployment' && w.namespace === x.namespace && w.name === x.name), cluster.name));
}

export function judgeDeployment(x: DeploymentExpectation, d: WorkloadView | undefined, cluster: string): DeploymentResult {
  const name = `${x.namespace}/${x.name}`;
  if (!d) return { name, passed: false, message: `Deployment ${name} not found in ${cluster}` };
  const rollout = rolloutProblem(d);
  const images = d.containers;
  if (!images) return { name, passed: false, message: `${name}: the cluster adapter reports no container images, so the tag cannot be checked` };
  const running = images.find((c) => sameVersionText(imageTag(c.image), x.tag));
  const list = images.map((c) => `${c.name}=${c.image}`).join(', ') || 'no containers';
  const counts = `${d.availableReplicas}/${d.replicas} available`;
  if (!running) return { name, passed: false, message: `${name}: no container runs tag ${x.tag} (${list})${rollout ? `; ${rollout}` : `; ${counts}`}` };
  if (rollout) return { name, passed: false, message: `${name}: ${running.name} runs ${running.image}, but ${rollout}` };
  return { name, passed: true, message: `${name}: ${counts}, ${running.name} runs ${running.image}` };
}

/** Why the rollout is not finished, or undefined when every replica is updated and available. */
function rolloutProblem(d: WorkloadView): string | undefined {
  const problems: string[] = [];
  if (d.observedGeneration < d.generation) problems.push(`generation ${d.generation} not yet observed (at ${d.observedGeneration})`);
  if (d.updatedReplicas < d.replicas) problems.push(`${d.updatedReplicas}/${d.replicas} updated`);
  if (d.availableReplicas < d.replicas) problems.push(`${d.availableReplicas}/${d.replicas} available`);
  return problems.length ? `the rollout is not finished: ${problems.join(', ')}` : undefined;
}

/** "registry:5000/grafana/grafana:11.2.0@sha256:…" → "11.2.0"; an untagged image is "latest". */
export function imageTag(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const last = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon >= 0 ? last.slice(colon + 1) : 'latest';
}

/** All Deployments as one gate verdict: passed only when every one passed; the failing ones named. */
export function deploymentsMeasurement(results: readonly DeploymentResult[]): Measurement {
  const failed = results.filter((r) => !r.passed);
  if (results.length === 0) return { passed: false, value: 0, threshold: '0', message: 'no Deployments to check' };
  if (failed.length === 0) return { passed: true, value: 0, threshold: '0', message: results.map((r) => r.message).join('; ') };
  return { passed: false, value: failed.length, threshold: '0', message: `${failed.length} of ${results.length} Deployments not as asked: ${failed.map((r) => r.message).join('; ')}` };
}
