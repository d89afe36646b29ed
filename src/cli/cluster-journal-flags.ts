// The flags of `--from-cluster` for `audit verify` and `report`, apart from the reading itself
// (cluster-journal.ts), so that a command's --help loads no Kubernetes client.
import type { Options } from './args.ts';

/** Where journals kept in the API server are unless --namespace says otherwise (kube-journal.ts uses the same). */
export const DEFAULT_JOURNAL_NAMESPACE = 'daylight-system';

export const FROM_CLUSTER_OPTIONS: Options = { 'from-cluster': { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' }, namespace: { type: 'string' } };

export const FROM_CLUSTER_HELP = `  --from-cluster RUN  read RUN's journal from the API server instead of the state directory: the ConfigMaps
                      daylight-journal-RUN-0, -1, ... in --namespace (default ${DEFAULT_JOURNAL_NAMESPACE}), through
                      --kubeconfig (default $KUBECONFIG, ~/.kube/config) and --context`;
