// A run's journal read from the API server (`--from-cluster RUN`) for `audit verify` and `report`: its
// ConfigMaps joined into the JSONL text the verifier reads from a file, a line of that text traced back to its
// ConfigMap, and the public key of the Secret that signs in-cluster journals.
import type { KeyObject } from 'node:crypto';
import { chunkLine, chunkName, JOURNAL_DATA_KEY, JOURNAL_NAMESPACE, journalTextOf, missingChunk, readChunks, RUN_LABEL, runLabelValue } from '../journal/kube-journal.ts';
import type { Chunk } from '../journal/kube-journal.ts';
import { journalPublicKeyInSecret, KEY_SECRET } from '../journal/kube-journal-key.ts';
import { connectApi } from '../kube/client.ts';
import { kubeConfigMaps, kubeSecrets } from '../kube/namespaced-objects.ts';
import { errorMessage, UserError } from '../lib/errors.ts';
import { stringFlag } from './args.ts';
import type { Parsed } from './args.ts';
import { checkedRunId } from './state-dir.ts';



/** How long reading the journal's ConfigMaps may take before the cluster counts as unreachable. */
const READ_TIMEOUT_MS = 30_000;

export interface ClusterJournal {
  readonly runId: string;
  readonly namespace: string;
  /** For messages: "ConfigMaps daylight-system/daylight-journal-RUN-0..2". */
  readonly where: string;
  readonly chunks: readonly Chunk[];
  /** The chunks' lines as one JSONL text. */
  readonly text: string;
  /** The first chunk number missing before the last one there (deleted), if any. */
  readonly missing?: number;
  /** The public key of the Secret that signs in-cluster journals, or why there is none. */
  readonly secretKey: { readonly key: KeyObject } | { readonly problem: string };
}

/** The journal of the run `--from-cluster` names; a run with no ConfigMap there is a UserError naming run, namespace and context. */
export async function readClusterJournal(p: Parsed, env: NodeJS.ProcessEnv): Promise<ClusterJournal> {
  const runId = checkedRunId(stringFlag(p, 'from-cluster') ?? '');
  const namespace = stringFlag(p, 'namespace') ?? JOURNAL_NAMESPACE;
  const context = stringFlag(p, 'context');
  const kubeconfig = stringFlag(p, 'kubeconfig');
  const api = connectApi({ ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}), env });
  const signal = AbortSignal.timeout(READ_TIMEOUT_MS);
  const cluster = `the cluster of ${context ? `context "${context}"` : 'the current context'} (${api.server})`;
  try {
    let chunks: Chunk[];
    try {
      chunks = await readChunks(kubeConfigMaps(api), namespace, runId, signal);
    } catch (e: unknown) {
      throw new UserError(`cannot read the journal of run ${runId} from ${cluster}, namespace ${namespace}: ${errorMessage(e)}; check --kubeconfig, --context and --namespace`, { cause: e });
    }
    if (chunks.length === 0) {
      throw new UserError(`no journal of run ${runId} in namespace ${namespace} of ${cluster}: no ConfigMap labelled ${RUN_LABEL}=${runLabelValue(runId)} (${chunkName(runId, 0)}, ...); check the run id, --namespace and --context (kubectl get configmaps -n ${namespace} -l ${RUN_LABEL} lists the journals there)`);
    }
    const secretKey = await journalPublicKeyInSecret(kubeSecrets(api), namespace, signal).then(
      (key) => (key ? { key } : { problem: `there is no Secret ${namespace}/${KEY_SECRET} in ${cluster}` }),
      (e: unknown) => ({ problem: `the Secret ${namespace}/${KEY_SECRET} could not be read: ${errorMessage(e)}` }),
    );
    const missing = missingChunk(chunks);
    const last = chunks.at(-1)?.n ?? 0;
    return { runId, namespace, where: `ConfigMaps ${namespace}/${chunkName(runId, 0)}..${last}`, chunks, text: journalTextOf(chunks), ...(missing !== undefined ? { missing } : {}), secretKey };
  } finally {
    await api.close();
  }
}

/** Where line `line` of the joined text is: "line 3 of ConfigMap daylight-system/daylight-journal-RUN-1 (journal.jsonl)". */
export function lineInCluster(j: ClusterJournal, line: number): string | undefined {
  const at = chunkLine(j.chunks, line);
  return at ? `line ${at.line} of ConfigMap ${j.namespace}/${at.chunk.name} (${JOURNAL_DATA_KEY})` : undefined;
}

/** What a missing chunk means, for the verdict of a journal read from the cluster. */
export function missingChunkText(j: ClusterJournal, n: number): string {
  return `chain broken: ConfigMap ${j.namespace}/${chunkName(j.runId, n)} is missing, and chunk ${j.chunks.at(-1)?.n ?? '?'} is there: a part of the journal was deleted`;
}
