// `upgrade plan` as one function: the versions (from a live cluster or given), the path to the target,
// and the deprecated-API scan of the cluster and the manifests along that path, as one report.
import type { KubeApi } from '../kube/api.ts';
import { indexRemovedApis } from './api-index.ts';
import type { ApiIndex } from './api-index.ts';
import { scanObjects } from './api-scan.ts';
import type { ApiFinding, ScanSpan } from './api-scan.ts';
import { readClusterObjects } from './cluster-objects.ts';
import type { ClusterObjects } from './cluster-objects.ts';
import { readClusterVersions } from './cluster-versions.ts';
import type { ApiserverVersion } from './cluster-versions.ts';
import type { Release } from './data/releases.ts';
import { scanManifestFiles } from './manifest-scan.ts';
import type { ManifestScan } from './manifest-scan.ts';
import { planPath } from './path.ts';
import type { NodeVersion, UpgradePath } from './path.ts';
import { minorOf } from './version.ts';

export interface UpgradePlanInput {
  /** "v1.31" or "v1.31.2". */
  readonly target: string;
  /** Today (epoch ms), for the end-of-life check. */
  readonly now: number;
  /** A live cluster to read versions and objects from. */
  readonly cluster?: { readonly name: string; readonly api: KubeApi };
  /** Without a cluster: the version the control plane and the kubelets are taken to run. */
  readonly from?: string;
  /** Manifest files to scan (none: --manifests was not given). */
  readonly manifestFiles?: readonly string[];
  readonly releases?: readonly Release[];
  readonly index?: ApiIndex;
  readonly signal?: AbortSignal;
}

export interface UpgradeReport {
  readonly cluster?: string;
  readonly apiservers: readonly ApiserverVersion[];
  /** Nodes read from the cluster; empty when planning from --from. */
  readonly nodes: readonly NodeVersion[];
  readonly path: UpgradePath;
  readonly span?: ScanSpan;
  readonly clusterScan?: Omit<ClusterObjects, 'objects'> & { readonly objects: number };
  readonly manifestScan?: Omit<ManifestScan, 'findings'>;
  readonly findings: readonly ApiFinding[];
  /** Findings that block the upgrade: a removed API still in use. */
  readonly blocking: number;
  /** Errors of the path about the cluster or the steps (target errors are bad input). */
  readonly errors: number;
}

export async function planUpgrade(o: UpgradePlanInput): Promise<UpgradeReport> {
  const versions = o.cluster ? await readClusterVersions(o.cluster.api, o.signal) : { apiservers: [{ version: o.from ?? '', source: '--from' }], nodes: [] };
  const path = planPath({ apiservers: versions.apiservers.map((a) => a.version), nodes: versions.nodes, target: o.target, now: o.now, ...(o.releases ? { releases: o.releases } : {}) });
  const base = { ...(o.cluster ? { cluster: o.cluster.name } : {}), apiservers: versions.apiservers, nodes: versions.nodes, path };
  const current = path.current === undefined ? undefined : minorOf(path.current);
  const target = path.target === undefined ? undefined : minorOf(path.target.minor);
  const errors = path.problems.filter((p) => p.severity === 'error').length;
  if (current === undefined || target === undefined) return { ...base, findings: [], blocking: 0, errors };
  const span = { current, target };
  const index = o.index ?? indexRemovedApis();
  const findings: ApiFinding[] = [];
  let clusterScan: UpgradeReport['clusterScan'];
  if (o.cluster) {
    const live = await readClusterObjects(o.cluster.api, { cluster: o.cluster.name, index, signal: o.signal });
    findings.push(...scanObjects(live.objects, index, span));
    clusterScan = { ...live, objects: live.objects.length };
  }
  let manifestScan: UpgradeReport['manifestScan'];
  if (o.manifestFiles !== undefined) {
    const scan = await scanManifestFiles(o.manifestFiles, { index, span });
    findings.push(...scan.findings);
    manifestScan = { files: scan.files, objects: scan.objects, unreadable: scan.unreadable };
  }
  return {
    ...base,
    span,
    ...(clusterScan ? { clusterScan } : {}),
    ...(manifestScan ? { manifestScan } : {}),
    findings,
    blocking: findings.filter((f) => f.blocking).length,
    errors,
  };
}
