// Evaluates one gate of the plan into a GateResult. Gates fail closed (DESIGN.md invariant 5): any
// error becomes a failed result with the reason; only the caller's abort passes through.
import type { Gate } from '../plan/schema.ts';
import { checkCommand } from './command.ts';
import { renderTemplate } from '../lib/template.ts';
import { checkGitops, gitopsMeasurement } from './gitops.ts';
import type { GitopsKind } from './gitops.ts';
import { checkHttp } from './http.ts';
import { checkKube } from './kube.ts';
import { checkPrometheus } from './prometheus.ts';
import { abortError, describeError, rethrowIfAborted } from './signals.ts';
import type { GateContext, GateResult, Measurement } from './types.ts';

export async function evaluateGate(gate: Gate, ctx: GateContext): Promise<GateResult> {
  if (ctx.signal?.aborted) throw abortError();
  let m: Measurement;
  try {
    m = await measure(gate, ctx);
  } catch (e: unknown) {
    rethrowIfAborted(e, ctx.signal);
    m = { passed: false, message: `could not be evaluated, so it counts as failed: ${describeError(e)}` };
  }
  if (ctx.signal?.aborted) throw abortError();
  return { gate: gateName(gate), type: gate.type, ...m };
}

function measure(gate: Gate, ctx: GateContext): Promise<Measurement> {
  switch (gate.type) {
    case 'kube':
      return checkKube(gate, ctx);
    case 'http':
      return checkHttp(gate, ctx);
    // {{cluster}} is the cluster the gate judges (a stage's analysis on each of its clusters)
    case 'prometheus':
      return checkPrometheus({ ...gate, query: renderTemplate(gate.query, { cluster: ctx.cluster.name }) }, ctx);
    case 'command':
      return checkCommand({ ...gate, run: renderTemplate(gate.run, { cluster: ctx.cluster.name }, 'shell') }, ctx);
    case 'gitops':
      return checkGitopsGate(gate.tool, ctx);
  }
}

/** GitOps objects are custom resources: the GET the wiring bound reads them; a cluster without it fails closed. */
async function checkGitopsGate(tool: GitopsKind, ctx: GateContext): Promise<Measurement> {
  if (!ctx.customResources) return { passed: false, message: `${ctx.cluster.name} cannot be read for custom resources here, so the gate fails closed` };
  return gitopsMeasurement(await checkGitops(tool, ctx.customResources, ctx.signal));
}

/** The name people see: the gate's own, else its type and what it looks at. */
export function gateName(gate: Gate): string {
  if (gate.name) return gate.name;
  switch (gate.type) {
    case 'kube':
      return `kube ${gate.check}`;
    case 'http':
      return `http ${gate.url}`;
    case 'prometheus':
      return `prometheus ${gate.query}`;
    case 'command':
      return `command ${gate.run}`;
    case 'gitops':
      return `gitops ${gate.tool}`;
  }
}
