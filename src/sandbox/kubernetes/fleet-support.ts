// What of a fleet file the kubernetes engine cannot play, said before anything starts: the simulated
// engine gives the first pods of a workload a fault inside its own kubelet; kwok's stages have no such
// switch, so such a fleet is refused with the field and the reason rather than run without the fault it
// asked for. API faults go through a proxy (fault-proxy.ts), node faults through the node agent.
import type { FleetSpec } from '../fleet-schema.ts';

/** A fleet file asks for something this engine cannot play; the message names each field and why. */
export class UnsupportedFleetError extends Error {
  override name = 'UnsupportedFleetError';
}

/** Each field of the fleet this engine cannot play, with the reason; empty when it plays all of it. */
export function kubernetesEngineRefusals(spec: FleetSpec): string[] {
  const out: string[] = [];
  spec.faults.pods.forEach((f, i) => {
    const which = [f.neverReady ? 'neverReady' : '', f.stuckTerminating ? 'stuckTerminating' : ''].filter(Boolean).join(' and ');
    if (!which) return;
    out.push(
      `faults.pods[${i}] (${f.namespace}/${f.workload}: ${which}): kwok plays every pod of a workload alike from its template, and cannot single out ` +
        `the first ${f.count} pod${f.count === 1 ? '' : 's'} the controllers create; leave faults.pods out with --engine kubernetes, or run the fleet on the simulated engine`,
    );
  });
  return out;
}

/** Throws UnsupportedFleetError naming every field this engine cannot play. */
export function checkKubernetesEngineSupport(spec: FleetSpec): void {
  const refusals = kubernetesEngineRefusals(spec);
  if (refusals.length === 0) return;
  throw new UnsupportedFleetError(`the kubernetes engine cannot run this fleet as written: ${refusals.join('; ')}`);
}
