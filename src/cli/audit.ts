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
import { connectClusters, KUBECONFIG_OPTION } from './clusters.ts';
import type { Command } from './command.ts';
import { clusterHeadStores } from './journal-anchors.ts';
import { journalKeyPath, journalSignerAt, localPublicKey, readPublicKeyFile } from './journal-key.ts';
import { existingRun, STATE_DIR_OPTION, stateDir } from './state-dir.ts';
import { readJournalText } from '../journal/file-journal.ts';

const HELP = `Usage: daylight audit verify RUN [--key PUBKEY_FILE] [-f plan.yaml] [--kubeconfig FILE] [--no-anchor] [--state-dir DIR] [-o json]
       daylight audit key [-o json]

verify: checks RUN's journal three ways, and names the first bad entry (its seq, its line, what is wrong):
  - the hash chain: every entry carries the sha256 of the one before it, seq runs 1, 2, 3;
  - the signatures: every entry is signed with the journal key, checked against the trusted public key:
    the local key ($XDG_CONFIG_HOME/daylight/journal-ed25519.pem, default ~/.config/daylight), or the
    one given with --key. The key the journal names is not trusted by itself;
  - the anchor: the signed head (last seq and hash) the run kept in its clusters (ConfigMap
    kube-system/daylight-journal-RUN), read from the plan's clusters (the plan the run recorded, or -f),
    catches a journal cut short or rolled back.
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
      const p = parse('audit', argv, { ...HELP_OPTION, ...OUTPUT_OPTION, ...STATE_DIR_OPTION, ...KUBECONFIG_OPTION, key: { type: 'string' }, file: { type: 'string', short: 'f' }, 'no-anchor': { type: 'boolean' } });
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
      const paths = existingRun(stateDir(p, deps.env), runId, 'audit verify');
      const text = readJournalText(paths.journal);
      const trust = { ...trustedKey(stringFlag(p, 'key'), deps.env), runId: paths.runId };
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
      const line = describeVerdict(chain, verdict);
      if (outputFlag(p) === 'json') io.out(JSON.stringify({ runId: paths.runId, journal: paths.journal, verdict, ...chain }));
      else if (verdict === 'intact') io.out(`${paths.runId}: ${line}`);
      else io.err(`${paths.journal}: ${line}`);
      return verdict === 'intact' ? 0 : 1;
    },
  };
}

export const auditCommand: Command = makeAuditCommand({ env: process.env, anchors: planClusters });

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
