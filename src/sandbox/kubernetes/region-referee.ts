// One region's referee on the kubernetes engine, from outside Daylight: it follows the region's
// kube-apiserver audit log as it grows and watches Nodes, PodDisruptionBudgets and Pods, and reports
// what it judges (referee-rules.ts) into the engine's shared Referee.
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { systemClock } from '../../lib/clock.ts';
import { errnoCode, errorMessage } from '../../lib/errors.ts';
import type { KObject, Node, Pod, PodDisruptionBudget } from '../k8s-types.ts';
import type { Referee } from '../referee.ts';
import type { ApiTarget } from './api-create.ts';
import { follow } from './api-request.ts';
import { KUBELET_STOPPED_ANNOTATION } from './kwok-stages.ts';
import type { AuditEvent, SystemIdentities } from './referee-rules.ts';
import { isUnavailable, judgeAuditEvent, judgeBudget, killedByNodeDown } from './referee-rules.ts';

export interface RegionRefereeOptions {
  readonly region: string;
  /** Read-only use of an identity the rules count as the cluster's own (kwok's). */
  readonly target: ApiTarget;
  readonly auditLogPath: string;
  readonly identities: SystemIdentities;
  readonly referee: Referee;
  readonly log?: (line: string) => void;
}

export interface RegionReferee {
  /** Reads the audit log up to its end now, so a report after a client's call counts that call. */
  catchUp(): Promise<void>;
  /** The nodes unavailable at once when the most were, for diagnostics. */
  peakUnavailable(): readonly string[];
  stop(): Promise<void>;
}

const AUDIT_POLL_MS = 250;
const READ_CHUNK = 1 << 20;

export function startRegionReferee(o: RegionRefereeOptions): RegionReferee {
  const abort = new AbortController();
  const log = o.log ?? (() => {});
  const { region, referee } = o;
  const evicted = new Set<string>();
  const keyOf = (x: KObject) => `${x.metadata.namespace ?? ''}/${x.metadata.name}`;

  // Audit log: read from the last offset to the end; a partial last line waits for the next read.
  let offset = 0;
  let partial = '';
  let reading: Promise<void> = Promise.resolve();
  // One buffer for every read (reads never overlap): the poll runs four times a second per region.
  const buffer = Buffer.alloc(READ_CHUNK);
  // A read may end inside a multi-byte character; the decoder keeps its first bytes for the next.
  const decoder = new StringDecoder('utf8');
  const readMore = async (): Promise<void> => {
    let file;
    try {
      file = await open(o.auditLogPath, 'r');
    } catch (e: unknown) {
      if (errnoCode(e) === 'ENOENT') return;
      throw e;
    }
    try {
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, READ_CHUNK, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        partial += decoder.write(buffer.subarray(0, bytesRead));
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) judgeLine(line);
      }
    } finally {
      await file.close();
    }
  };
  const judgeLine = (line: string) => {
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      log(`referee: an audit line that is not JSON: ${line.slice(0, 120)}`);
      return;
    }
    const verdict = judgeAuditEvent(event, o.identities, evicted);
    if (verdict.kind === 'eviction-accepted') {
      evicted.add(verdict.pod);
      referee.evictionAccepted(region);
    } else if (verdict.kind === 'eviction-refused') referee.evictionRejectedByPdb(region);
    else if (verdict.kind === 'kill') killed(verdict.pod, verdict.how);
  };
  const killedPods = new Set<string>();
  const killed = (pod: string, how: string) => {
    if (killedPods.has(pod)) return;
    killedPods.add(pod);
    const [namespace, name] = pod.split('/');
    referee.podKilledWithoutEviction(region, { metadata: { namespace, name } } as Pod, how);
  };
  // Reads never overlap: the poll and a report's catch-up queue behind each other.
  const catchUp = () => (reading = reading.then(readMore, readMore));

  const watch = <T extends KObject>(path: string, seen: (o: T, deleted: boolean) => void): Promise<void> =>
    follow<T>({ target: o.target, path, listed: (items) => items.forEach((item) => seen(item, false)), event: seen, signal: abort.signal, log: (line) => log(`referee: ${line}`) });

  // Nodes: a node counts as unavailable only once it has been seen available (not while kwok first
  // brings it up); a boot id that changes from one seen before is a reboot.
  const everAvailable = new Set<string>();
  const unavailable = new Set<string>();
  const bootIds = new Map<string, string>();
  let peak: string[] = [];
  const onNode = (node: Node, deleted: boolean) => {
    const name = node.metadata.name;
    const down = !deleted && isUnavailable(node);
    if (!down) everAvailable.add(name);
    if (down && everAvailable.has(name)) unavailable.add(name);
    else unavailable.delete(name);
    if (unavailable.size > peak.length) peak = [...unavailable].sort();
    referee.unavailableNodes(region, unavailable.size);
    const bootId = node.status?.nodeInfo?.bootID;
    const before = bootIds.get(name);
    if (bootId && before && bootId !== before) referee.reboot(region, name);
    if (bootId) bootIds.set(name, bootId);
  };

  const budgets = new Map<string, boolean | undefined>();
  const onBudget = (pdb: PodDisruptionBudget, deleted: boolean) => {
    const key = keyOf(pdb);
    if (deleted) return void budgets.delete(key);
    const { whole, breach } = judgeBudget(budgets.get(key), pdb);
    budgets.set(key, whole);
    if (breach) referee.pdbBreach(region, key);
  };

  const onPod = (pod: Pod, deleted: boolean) => {
    if (!deleted && killedByNodeDown(pod, KUBELET_STOPPED_ANNOTATION)) killed(keyOf(pod), `node ${pod.spec.nodeName ?? '?'} went down`);
  };

  const pollAudit = async () => {
    while (!abort.signal.aborted) {
      await catchUp().catch((e: unknown) => log(`referee: reading ${o.auditLogPath}: ${errorMessage(e)}`));
      await systemClock.sleep(AUDIT_POLL_MS, abort.signal).catch(() => {});
    }
  };

  const loops = [
    pollAudit(),
    watch<Node>('/api/v1/nodes', onNode),
    watch<PodDisruptionBudget>('/apis/policy/v1/poddisruptionbudgets', onBudget),
    watch<Pod>('/api/v1/pods', onPod),
  ];
  return {
    catchUp,
    peakUnavailable: () => peak,
    async stop() {
      abort.abort();
      await Promise.all(loops);
    },
  };
}
