// What is checked after each control-plane node of a kubernetes phase: the API server's version
// (`/version`), its readiness (`/readyz`) and the node's kubelet version, as gate records that fail closed.
import type { Cluster } from './ports/cluster.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';
import { parseVersion } from '../upgrade/version.ts';
import type { GateResult } from './events.ts';

const POLL_MS = 5_000;

export interface ControlPlaneCheck {
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly node: string;
  /** The version the phase installs. */
  readonly to: string;
  /** After the last control-plane node the API server must serve `to`; before, it may still serve the old one. */
  readonly last: boolean;
  /** How long (cluster time) the checks may take to pass after the node is back (the API server restarts): the plan's controlPlane.ready.timeout. */
  readonly settleMs: number;
  readonly signal: AbortSignal;
}

/** The checks, retried until they pass or the settle time is over; the last results either way. */
export async function checkControlPlane(c: ControlPlaneCheck): Promise<GateResult[]> {
  const until = c.clock.now() + c.settleMs;
  for (;;) {
    const results = await Promise.all([apiserverVersion(c), readyz(c), kubeletVersion(c)]);
    if (results.every((r) => r.passed) || c.clock.now() >= until) return results;
    await c.clock.sleep(atLeastReal(c.clock, POLL_MS, 250), c.signal);
  }
}

/** The API server's gitVersion from `/version`, or an error that says why it could not be read. */
export async function serverVersion(cluster: Cluster, signal: AbortSignal): Promise<string> {
  if (!cluster.raw) throw new Error(`cluster ${cluster.name} cannot read /version through this adapter`);
  const r = await cluster.raw('GET', '/version', undefined, signal);
  if (r.status !== 200) throw new Error(`GET /version answered ${r.status}`);
  const v = (JSON.parse(r.body) as { gitVersion?: unknown }).gitVersion;
  if (typeof v !== 'string') throw new Error('GET /version has no gitVersion');
  return v;
}

async function apiserverVersion(c: ControlPlaneCheck): Promise<GateResult> {
  const gate = 'apiserver-version';
  try {
    const v = await serverVersion(c.cluster, c.signal);
    const target = parseVersion(c.to);
    const got = parseVersion(v);
    // While other control-plane nodes are still old, the API server may answer from one of them (one minor behind).
    const passed = c.last ? sameRelease(v, c.to) : got !== undefined && target !== undefined && target.minor - got.minor <= 1 && got.minor <= target.minor;
    const threshold = c.last ? c.to : `${c.to} or one minor below`;
    return { gate, type: 'control-plane', passed, value: v, threshold, message: passed ? `kube-apiserver serves ${v}` : `kube-apiserver serves ${v}, expected ${threshold}; check the API server static pods on the control-plane nodes` };
  } catch (e: unknown) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    return { gate, type: 'control-plane', passed: false, threshold: c.to, message: `could not read the API server version: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function readyz(c: ControlPlaneCheck): Promise<GateResult> {
  const gate = 'apiserver-readyz';
  try {
    const r = await (c.cluster.raw as NonNullable<Cluster['raw']>)('GET', '/readyz', undefined, c.signal);
    const passed = r.status === 200;
    return { gate, type: 'control-plane', passed, value: r.status, threshold: '200', message: passed ? '/readyz answers 200' : `/readyz answers ${r.status}: ${r.body.slice(0, 300)}` };
  } catch (e: unknown) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    return { gate, type: 'control-plane', passed: false, threshold: '200', message: `/readyz could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function kubeletVersion(c: ControlPlaneCheck): Promise<GateResult> {
  const gate = 'kubelet-version';
  const n = await c.cluster.nodes.get(c.node, c.signal);
  const v = n?.kubeletVersion;
  const passed = v !== undefined && sameRelease(v, c.to) && n?.ready === true;
  const message = !n ? `node ${c.node} is gone` : passed ? `node ${c.node} runs kubelet ${v} and is Ready` : `node ${c.node} runs kubelet ${v}${n.ready ? '' : ' and is NotReady'}, expected ${c.to}`;
  return { gate, type: 'control-plane', passed, ...(v ? { value: v } : {}), threshold: c.to, message };
}

/** v1.31.2 and v1.31.2-eks-… are the same release. */
function sameRelease(version: string, to: string): boolean {
  const a = parseVersion(version);
  const b = parseVersion(to);
  return a !== undefined && b !== undefined && a.minor === b.minor && a.patch === b.patch;
}
