// Starts a whole sandbox: the simulated fleet, one HTTPS API server and one plain-HTTP ingress per region,
// and the kubeconfig that points kubectl and Daylight at it.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { startRegionServer } from './api/server.ts';
import type { RegionServer } from './api/server.ts';
import { apiFaultFor } from './faults.ts';
import type { Fleet as FleetFile } from './fleet-schema.ts';
import { SandboxFleet } from './fleet.ts';
import { SandboxIngress } from './ingress.ts';
import type { IngressFaults } from './ingress-faults.ts';
import type { IngressServer } from './ingress-server.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { createTls } from './tls.ts';
import type { SandboxTls } from './tls.ts';

export interface SandboxOptions {
  readonly fleet: FleetFile;
  /** Port of the first region; the others follow it. 0 picks free ports. */
  readonly port?: number;
  /** Port of the first region's HTTP ingress; the others follow it. 0 or omitted picks free ports. */
  readonly ingressPort?: number;
  /** Simulated seconds per real second; the fleet file's `speed` when omitted. */
  readonly speed?: number;
  /** Where to write the kubeconfig, if anywhere. */
  readonly kubeconfigPath?: string;
  /** Do not run the clock in real time (tests advance it themselves). */
  readonly manualClock?: boolean;
}

export interface RunningSandbox {
  readonly fleet: SandboxFleet;
  readonly servers: ReadonlyMap<string, RegionServer>;
  /** The plain-HTTP ingress of each region (`http://127.0.0.1:<port>`), what its Services answer. */
  readonly ingress: ReadonlyMap<string, IngressServer>;
  /** The ingress faults now; the same ones PUT /sandbox/v1/faults changes. */
  readonly ingressFaults: IngressFaults;
  readonly token: string;
  readonly tls: SandboxTls;
  readonly kubeconfig: string;
  readonly speed: number;
  stop(): Promise<void>;
}

export async function startSandbox(o: SandboxOptions): Promise<RunningSandbox> {
  const fleet = new SandboxFleet(o.fleet);
  const tls = await createTls();
  const token = randomBytes(24).toString('base64url');
  const ingress = new SandboxIngress(fleet);
  // The simulated request stream fails as often as the real ingress does: one fault, both data planes.
  fleet.traffic.failWith((region) => ingress.faults.of(region).errorRate);
  const servers = new Map<string, RegionServer>();
  let kubeconfig: string;
  try {
    for (const [i, region] of fleet.regions.entries()) {
      const port = o.port ? o.port + i : 0;
      servers.set(region.name, await startRegionServer({ fleet, region, tls, token, port, fault: apiFaultFor(o.fleet.spec, region.name), ingress }));
    }
    // After the API servers: a free port picked for an ingress can then never be one the API asked for.
    await ingress.listen(o.ingressPort ?? 0);
    kubeconfig = kubeconfigYaml([...servers].map(([name, s]) => ({ name, server: s.url })), tls.caPem, token);
    if (o.kubeconfigPath) await writeFile(o.kubeconfigPath, kubeconfig, { mode: 0o600 });
  } catch (e: unknown) {
    // As many servers as regions: a handful.
    await Promise.all([...servers.values()].map((s) => s.close()));
    await ingress.close();
    throw e;
  }
  const speed = o.speed ?? o.fleet.spec.speed;
  if (!o.manualClock) fleet.start(speed);
  return {
    fleet,
    servers,
    ingress: ingress.servers,
    ingressFaults: ingress.faults,
    token,
    tls,
    kubeconfig,
    speed,
    stop: async () => {
      fleet.stop();
      await Promise.all([...servers.values()].map((s) => s.close()));
      await ingress.close();
    },
  };
}
