// What is checked after each control-plane node of a kubernetes phase: the API server's version and its
// readiness (through the ControlPlaneProbe: `/version`, `/readyz` behind it) and the node's kubelet
// version, as gate records that fail closed.
import type { Cluster } from './ports/cluster.ts';
import { atLeastReal } from '../lib/clock.ts';
import type { Clock } from '../lib/clock.ts';
import { parseVersion } from '../lib/kube-version.ts';
import type { GateResult } from './events.ts';
import type { ControlPlaneProbe } from './ports/control-plane.ts';

const POLL_MS = 5_000;

export interface ControlPlaneCheck {
  readonly cluster: Cluster;
  readonly probe: ControlPlaneProbe;
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

async function apiserverVersion(c: ControlPlaneCheck): Promise<GateResult> {
  const gate = 'apiserver-version';
  try {
    const got = await c.probe.version(c.signal);
    const v = got.text;
    const target = parseVersion(c.to);
    // While other control-plane nodes are still old, the API server may answer from one of them (one minor behind).
    const passed = c.last ? sameRelease(v, c.to) : target !== undefined && target.minor - got.minor <= 1 && got.minor <= target.minor;
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
    const r = await c.probe.readiness(c.signal);
    if (r.ready) return { gate, type: 'control-plane', passed: true, value: 'ready', threshold: 'ready', message: 'the API server is ready' };
    const named = r.failing.length > 0 ? `checks failing: ${r.failing.join(', ')}` : 'no check named';
    return { gate, type: 'control-plane', passed: false, value: r.failing.length > 0 ? r.failing.join(',') : 'not ready', threshold: 'ready', message: `the API server is not ready (${named}): ${r.detail}` };
  } catch (e: unknown) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    return { gate, type: 'control-plane', passed: false, threshold: 'ready', message: `/readyz could not be read: ${e instanceof Error ? e.message : String(e)}` };
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
