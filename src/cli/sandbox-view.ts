// How a running sandbox is shown to a person: where each region's API and HTTP ingress listen and how to
// reach them.
import type { RunningSandbox } from '../sandbox/sandbox.ts';

export function describeSandbox(s: RunningSandbox, kubeconfigPath: string | undefined): string {
  const spec = s.fleet.file.spec;
  const nodes = s.fleet.regions.reduce((n, r) => n + r.store.count('nodes'), 0);
  const lines = [`Sandbox "${s.fleet.file.metadata.name}" is up: ${s.fleet.regions.length} region(s), ${nodes} nodes, ${s.speed}× real time (1 real second = ${s.speed} simulated seconds)`];
  const width = Math.max(...s.fleet.regions.map((r) => r.name.length));
  for (const r of s.fleet.regions) {
    const regionSpec = spec.regions.find((x) => x.name === r.name);
    lines.push(`  ${r.name.padEnd(width)}  ${s.servers.get(r.name)?.url ?? '?'}  ingress ${s.ingress.get(r.name)?.url ?? '?'}  ${r.store.count('nodes')} nodes in ${regionSpec?.zones.length ?? 0} zones, Kubernetes ${r.kubernetesVersion}`);
  }
  if (kubeconfigPath) {
    lines.push(`Kubeconfig: ${kubeconfigPath} (contexts: ${s.fleet.regions.map((r) => r.name).join(', ')})`);
    lines.push(`Try:        kubectl --kubeconfig ${kubeconfigPath} --context ${s.fleet.regions[0]?.name} get nodes`);
  }
  const first = s.servers.values().next().value;
  if (first) lines.push(`Referee:    ${first.url}/sandbox/v1/referee   Metrics: ${first.url}/metrics   (bearer token in the kubeconfig)`);
  const ingress = s.ingress.values().next().value;
  if (ingress && first) lines.push(`Ingress:    curl -i ${ingress.url}/   Faults: PUT ${first.url}/sandbox/v1/faults {"ingress": {"${ingress.region}": {"errorRate": 1}}}`);
  return lines.join('\n');
}
