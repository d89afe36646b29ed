// The removed-APIs table indexed once for the scan: one Map lookup per object by apiVersion and kind,
// and the groups and kinds the live scan asks the cluster for.
import { REMOVED_APIS } from './data/removed-apis.ts';
import type { RemovedApi } from './data/removed-apis.ts';

export interface ApiIndex {
  /** The row for an apiVersion ("batch/v1beta1") and kind, or undefined. */
  find(apiVersion: string, kind: string): RemovedApi | undefined;
  /** API group → the kinds the table has rows for in it. */
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
    const kinds = kindsByGroup.get(row.group) ?? new Set<string>();
    kinds.add(row.kind);
    kindsByGroup.set(row.group, kinds);
  }
  return { find: (apiVersion, kind) => byKey.get(`${apiVersion}/${kind}`), kindsByGroup, size: byKey.size };
}
