// Rendered manifests as the chart tests read them: the documents of a multi-document YAML, the pod template of
// the workload of a kind, and the line `kubectl apply --dry-run=server` prints for each object.
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';

export interface Manifest<Pod = unknown> {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template?: { spec: Pod } };
}

export function documents<Pod = unknown>(yaml: string): Manifest<Pod>[] {
  return parseAllDocuments(yaml).map((d) => d.toJS() as Manifest<Pod> | null).filter((d): d is Manifest<Pod> => d !== null);
}

/** The pod template of the one workload of `kind` (DaemonSet, Deployment) in `yaml`. */
export function podOf<Pod>(yaml: string, kind: string): Pod {
  const spec = documents<Pod>(yaml).find((d) => d.kind === kind)?.spec?.template?.spec;
  assert.ok(spec, `a ${kind} is rendered`);
  return spec;
}

/** What `kubectl apply --dry-run=server` prints for each object it would create. */
export function dryRunLine(m: Manifest): string {
  const group = m.apiVersion.includes('/') ? `.${m.apiVersion.split('/')[0]}` : '';
  return `${m.kind.toLowerCase()}${group}/${m.metadata.name} created (server dry run)`;
}
