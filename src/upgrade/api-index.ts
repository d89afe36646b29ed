// The removed-APIs table indexed once for the scan: one Map lookup per object by apiVersion and kind,
// and the groups and kinds the live scan asks the cluster for.
import { REMOVED_APIS } from './data/removed-apis.ts';
import type { RemovedApi } from './data/removed-apis.ts';

export interface ApiIndex {
  /** The row for an apiVersion ("batch/v1beta1") and kind, or undefined. */
  find(apiVersion: string, kind: string): RemovedApi | undefined;
  /**
   * API group → the kinds a cluster may serve there that the table has rows for: the rows' own groups and
   * their replacements' (a NetworkPolicy written as extensions/v1beta1 is served by networking.k8s.io).
   */
  readonly kindsByGroup: ReadonlyMap<string, ReadonlySet<string>>;
  readonly size: number;
}

/** "batch/v1beta1" (or "v1" for the core group). */
export function apiVersionOf(a: Pick<RemovedApi, 'group' | 'version'>): string {
  return a.group ? `${a.group}/${a.version}` : a.version;
}

export function indexRemovedApis(rows: readonly RemovedApi[] = REMOVED_APIS): ApiIndex {
  const byKey = new Map<string, RemovedApi>();
  const kindsByGroup = new Map<string, Set<string>>();
  for (const row of rows) {
    byKey.set(`${apiVersionOf(row)}/${row.kind}`, row);
    const groups = [row.group, ...(row.replacement === null ? [] : [groupOf(row.replacement)])];
    for (const group of groups) {
      const kinds = kindsByGroup.get(group) ?? new Set<string>();
      kinds.add(row.kind);
      kindsByGroup.set(group, kinds);
    }
  }
  return { find: (apiVersion, kind) => byKey.get(`${apiVersion}/${kind}`), kindsByGroup, size: byKey.size };
}

/** The group of an apiVersion: "batch" of "batch/v1", "" of "v1". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
