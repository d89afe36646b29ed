// What the engine asks of a cluster's control plane after each control-plane node: the version the API
// server serves and whether it is ready, with the checks that fail named. The adapter (`kube/control-plane.ts`)
// reads `/version` and `/readyz?verbose`; the engine sees versions and check names, never an HTTP answer.
import type { KubeVersion } from '../../lib/kube-version.ts';

/** The API server's readiness: ready, or the checks that failed ("etcd", "poststarthook/rbac/bootstrap-roles"). */
export type Readiness =
  | { readonly ready: true }
  /** `failing` may be empty when the server named none; `detail` is what it said, shortened. */
  | { readonly ready: false; readonly failing: readonly string[]; readonly detail: string };

/** One cluster's control plane. Both reject with an Error saying why when the server cannot be read. */
export interface ControlPlaneProbe {
  /** The version the API server serves (its gitVersion, parsed). */
  version(signal: AbortSignal): Promise<KubeVersion>;
  readiness(signal: AbortSignal): Promise<Readiness>;
}
