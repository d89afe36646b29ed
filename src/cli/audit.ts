// `daylight audit verify RUN`: checks a run journal's hash chain, its signatures against the journal key kept
// outside the state directory, and its head against the one anchored in the plan's clusters; exit 0 only
// when all three hold, else 1 naming the first bad entry (seq, line, what is wrong) or what could not be
// checked. `daylight audit key` prints the public key to verify with elsewhere.
import type { KeyObject } from 'node:crypto';
import { publicKeyOf } from '../engine/ports/journal-chain.ts';
import type { HeadStore } from '../journal/head-anchor.ts';
import { readAnchor } from '../journal/head-anchor.ts';
import { errorMessage, UserError } from '../lib/errors.ts';
import { loadPlanFile } from '../plan/load.ts';
import { describeVerdict, verdictOf, verifyJournal } from '../report/integrity.ts';
import type { VerifyOptions } from '../report/integrity.ts';
import { HELP_OPTION, OUTPUT_OPTION, outputFlag, parse, stringFlag } from './args.ts';
import type { Parsed } from './args.ts';
import { FROM_CLUSTER_HELP, FROM_CLUSTER_OPTIONS } from './cluster-journal-flags.ts';
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';
import { clusterHeadStores } from './journal-anchors.ts';
import { journalKeyPath, journalSignerAt, localPublicKey, readPublicKeyFile } from './journal-key.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';
import { readJournalText } from '../journal/file-journal.ts';

const HELP = `Usage: daylight audit verify RUN [--key PUBKEY_FILE] [-f plan.yaml] [--kubeconfig FILE] [--no-anchor] [--state-dir DIR] [-o json]
       daylight audit verify --from-cluster RUN [--kubeconfig FILE] [--context C] [--namespace N] [--key PUBKEY_FILE] [-f plan.yaml] [--no-anchor] [-o json]
       daylight audit key [-o json]

verify: checks RUN's journal three ways, and names the first bad entry (its seq, its line, what is wrong):
  - the hash chain: every entry carries the sha256 of the one before it, seq runs 1, 2, 3;
  - the signatures: every entry is signed with the journal key, checked against the trusted public key:
    the local key ($XDG_CONFIG_HOME/daylight/journal-ed25519.pem, default ~/.config/daylight), or the
    one given with --key. The key the journal names is not trusted by itself;
  - the anchor: the signed head (last seq and hash) the run kept in its clusters (ConfigMap
    kube-system/daylight-journal-RUN), read from the plan's clusters (the plan the run recorded, or -f),
    catches a journal cut short or rolled back.
${FROM_CLUSTER_HELP}
                      The same checks; the trusted key is then the one in the Secret daylight-journal-key of
                      that namespace (or --key), and a bad entry is named with its ConfigMap and line there.
key: prints the public key of the local journal key (made if there is none), to verify elsewhere with --key.

Exit codes: 0 intact, signed by the trusted key and matching the anchor; 1 broken, unsigned ("cannot rule
out forgery"), key not available, or the anchor could not be checked (--no-anchor accepts signatures
alone); 2 bad input (no such run).`;

/** Reads the run's heads from its clusters; the CLI connects to the plan's clusters, tests pass a fake. */
export type AnchorSource = (o: { runId: string; planPath: string | undefined; kubeconfig: string | undefined }) => Promise<{ stores: readonly HeadStore[]; close(): Promise<void> }>;

export interface AuditDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly anchors: AnchorSource;
}

/** How long reaching the clusters for the anchor may take before it counts as unreachable. */
const CONNECT_TIMEOUT_MS = 20_000;

const planClusters: AnchorSource = async (o) => {
  if (!o.planPath) throw new Error('the journal records no plan file; pass -f plan.yaml');
  const plan = await loadPlanFile(o.planPath);
  const connected = await connectClusters(plan.plan, { kubeconfig: o.kubeconfig, signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) });
  return { stores: clusterHeadStores(connected.clusters, o.runId), close: () => connected.close() };
};

export function makeAuditCommand(deps: AuditDeps): Command {
  return {
    name: 'audit',
    help: HELP,
    async run(argv, io) {
      const p = parse('audit', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION, ...KUBECONFIG_OPTION, ...FROM_CLUSTER_OPTIONS, key: { type: 'string' }, file: { type: 'string', short: 'f' }, 'no-anchor': { type: 'boolean' } });
      if (p.values.help) {
        io.out(HELP);
        return 0;
      }
      const [sub, runId, ...extra] = p.positionals;
      if (sub === 'key') {
        if (runId !== undefined) throw new UserError(`unexpected argument "${runId}"; use: daylight audit key`);
        const path = journalKeyPath(deps.env);
        const signer = journalSignerAt(path);
        const publicKey = String(publicKeyOf(signer.key)?.export({ type: 'spki', format: 'pem' }) ?? '').trimEnd();
        io.out(outputFlag(p) === 'json' ? JSON.stringify({ keyId: signer.key.id, path, publicKey }) : publicKey);
        return 0;
      }
      if (sub !== 'verify') throw new UserError(`${sub === undefined ? 'missing the subcommand' : `unknown subcommand "${sub}"`}; use: daylight audit verify RUN, or daylight audit key`);
      if (extra.length > 0) throw new UserError(`unexpected argument "${extra[0]}"; use: daylight audit verify RUN`);
      const source = await journalSource(p, runId, deps.env);
      if (source.broken !== undefined) {
        if (outputFlag(p) === 'json') io.out(JSON.stringify({ journal: source.where, verdict: 'broken', ok: false, message: source.broken }));
        else io.err(`${source.where}: ${source.broken}`);
        return 1;
      }
      const { paths, text } = source;
      const trust = { ...source.trust, runId: paths.runId };
      const noAnchor = p.values['no-anchor'] === true;
      let result = verifyJournal(text, trust);
      // An unsigned journal is checked against the anchor too: a run that anchored signed heads wrote it signed.
      if (!noAnchor && (result.chain.signatures === 'verified' || (result.chain.signatures === 'unsigned' && result.chain.ok))) {
        const planPath = stringFlag(p, 'file') ?? planOf(result.entries);
        const anchor = await readHeads(deps.anchors, { runId: paths.runId, planPath, kubeconfig: stringFlag(p, 'kubeconfig') });
        result = verifyJournal(text, { ...trust, anchor });
      }
      const { chain } = result;
      const verdict = verdictOf(chain, { requireAnchor: !noAnchor });
      const at = chain.break ? source.locate(chain.break.line) : undefined;
      const line = `${describeVerdict(chain, verdict)}${at ? `; line ${chain.break?.line ?? '?'} is ${at}` : ''}`;
      if (outputFlag(p) === 'json') io.out(JSON.stringify({ runId: paths.runId, journal: paths.journal, verdict, ...chain, ...(at ? { breakAt: at } : {}) }));
      else if (verdict === 'intact') io.out(`${paths.runId}: ${line}`);
      else io.err(`${paths.journal}: ${line}`);
      return verdict === 'intact' ? 0 : 1;
    },
  };
}

export const auditCommand: Command = makeAuditCommand({ env: process.env, anchors: planClusters });

/** The journal to verify and the key to trust: a run's file in the state directory, or its ConfigMaps (--from-cluster). */
type JournalSource =
  | { readonly broken?: undefined; readonly paths: { readonly runId: string; readonly journal: string }; readonly text: string; readonly trust: Pick<VerifyOptions, 'trustedKey' | 'noKeyReason'>; locate(line: number): string | undefined }
  | { readonly broken: string; readonly where: string };

async function journalSource(p: Parsed, runId: string | undefined, env: NodeJS.ProcessEnv): Promise<JournalSource> {
  const keyFile = stringFlag(p, 'key');
  if (stringFlag(p, 'from-cluster') === undefined) {
    const paths = existingRun(stateDir(p, env), runId, 'audit verify');
    return { paths, text: readJournalText(paths.journal), trust: trustedKey(keyFile, env), locate: () => undefined };
  }
  if (runId !== undefined) throw new UserError(`unexpected argument "${runId}" with --from-cluster; use: daylight audit verify --from-cluster RUN`);
  // Loaded only when used: audit --help and a journal file load no Kubernetes client
  const { lineInCluster, missingChunkText, readClusterJournal } = await import('./cluster-journal.ts');
  const j = await readClusterJournal(p, env);
  if (j.missing !== undefined) return { broken: missingChunkText(j, j.missing), where: j.where };
  const trust = keyFile !== undefined ? trustedKey(keyFile, env) : 'key' in j.secretKey ? { trustedKey: j.secretKey.key } : { noKeyReason: j.secretKey.problem };
  return { paths: { runId: j.runId, journal: j.where }, text: j.text, trust, locate: (line) => lineInCluster(j, line) };
}

/** The key trusted to have signed: --key, else the local key file; never the key the journal names. */
function trustedKey(file: string | undefined, env: NodeJS.ProcessEnv): Pick<VerifyOptions, 'trustedKey' | 'noKeyReason'> {
  if (file !== undefined) return { trustedKey: readPublicKeyFile(file) };
  const path = journalKeyPath(env);
  const key: KeyObject | undefined = localPublicKey(path);
  return key ? { trustedKey: key } : { noKeyReason: `there is no journal key at ${path}` };
}

function planOf(entries: ReturnType<typeof verifyJournal>['entries']): string | undefined {
  for (const e of entries) if (e.event.type === 'run.started') return e.event.plan.path;
  return undefined;
}

/** The heads in the run's clusters; an unreachable cluster or an unreadable plan makes the anchor unchecked, with why. */
async function readHeads(source: AnchorSource, o: Parameters<AnchorSource>[0]): Promise<VerifyOptions['anchor']> {
  let opened: Awaited<ReturnType<AnchorSource>>;
  try {
    opened = await source(o);
  } catch (e: unknown) {
    return { unchecked: `the clusters could not be reached: ${errorMessage(e)}` };
  }
  try {
    return await readAnchor(opened.stores, o.runId, AbortSignal.timeout(CONNECT_TIMEOUT_MS));
  } finally {
    await opened.close().catch(() => undefined);
  }
}
