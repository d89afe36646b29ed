// The node action (DESIGN.md section 6) and its independent confirmation: the request is journaled with
// the node's boot id before it is made, so a resumed run waits for that reboot instead of asking again.
import type { NodeActionRequest, NodeView } from './ports/cluster-views.ts';
import { ANNOTATIONS } from './ports/cluster-views.ts';
import type { CommandExec } from '../lib/command-exec.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';
import { renderTemplate } from '../lib/template.ts';
import type { NODE_COMMAND_NAMES } from '../plan/template-names.ts';
import type { NodeContext } from './node-context.ts';
import type { NodeState } from './state.ts';

export type ActionOutcome =
  | { readonly kind: 'confirmed'; readonly node: NodeView; readonly ms: number; readonly mark: { readonly requestedAt: number; readonly bootIdBefore: string } }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'timeout'; readonly message: string };

type Requested = NonNullable<NodeState['action']>;

/** Requests the action (unless `resumed` says it was requested already) and waits for its confirmation. */
export async function performAction(ctx: NodeContext, exec: CommandExec, resumed?: Requested): Promise<ActionOutcome> {
  const started = ctx.clock.now();
  if (resumed) await rerequestIfLost(ctx, resumed);
  const requestedAt = resumed?.requestedAt ?? ctx.clock.now();
  const requested = resumed ?? (await request(ctx, exec));
  if ('kind' in requested) return requested;
  const timeout = ctx.phase.ready.timeout.ms;
  let failure: string | undefined;
  const patchMayStayUp = ctx.phase.action.type === 'agent' && requested.operation === 'patch' && ctx.phase.action.rebootAfter !== 'always';
  const node = await ctx.cluster.nodes.waitFor(ctx.node, (n) => {
    failure = agentFailure(n, requested.id);
    return failure !== undefined || confirmed(n, requested) || (patchMayStayUp && n.ready && agentDone(n, requested.id));
  }, timeout, ctx.signal);
  if (failure) return { kind: 'failed', message: `the node agent reports: ${failure}` };
  if (!node) return { kind: 'timeout', message: await notBackMessage(ctx, requested, timeout) };
  return { kind: 'confirmed', node, ms: ctx.clock.now() - started, mark: { requestedAt, bootIdBefore: requested.bootIdBefore } };
}

async function request(ctx: NodeContext, exec: CommandExec): Promise<Requested | ActionOutcome> {
  const node = await ctx.cluster.nodes.get(ctx.node, ctx.signal);
  if (!node) return { kind: 'failed', message: `node ${ctx.node} no longer exists` };
  const a = ctx.phase.action;
  const attempt = 1 + Number(/\/(\d+)$/.exec(readAgentId(node) ?? '')?.[1] ?? 0);
  const id = `${ctx.runId}/${ctx.node}/${attempt}`;
  const r: Requested = { id, operation: a.operation, version: a.version, bootIdBefore: node.bootId, kubeletBefore: node.kubeletVersion };
  await ctx.record({ type: 'node.action.requested', cluster: ctx.clusterName, node: ctx.node, ...r });
  if (a.type === 'agent') await ctx.cluster.nodes.requestAction(ctx.node, agentRequest(ctx, r), ctx.signal);
  if (a.type === 'command') {
    // The plan loader refused names outside NODE_COMMAND_NAMES; values are shell-quoted where they need it.
    const vars: Record<(typeof NODE_COMMAND_NAMES)[number], string> = { 'node.name': ctx.node, cluster: ctx.clusterName, version: a.version ?? '', operation: a.operation, 'run.id': ctx.runId };
    let command: string;
    try {
      command = renderTemplate(a.run, vars, 'shell');
    } catch (e: unknown) {
      return { kind: 'failed', message: `not run: ${errorMessage(e)}` };
    }
    const result = await exec(command, { timeoutMs: a.timeout.ms / ctx.clock.speed, signal: ctx.signal });
    if (result.timedOut) return { kind: 'failed', message: `"${command}" did not finish within ${a.timeout.toString()}` };
    if (result.exitCode !== 0) return { kind: 'failed', message: `"${command}" exited ${result.exitCode ?? result.signal}: ${result.output.trim().split('\n').slice(-3).join(' | ')}` };
  }
  return r;
}

/**
 * After a crash between journaling an agent request and writing it, the annotation does not carry our id:
 * write it now. The boot id recorded before the request tells us the node did not reboot in between.
 */
async function rerequestIfLost(ctx: NodeContext, r: Requested): Promise<void> {
  if (ctx.phase.action.type !== 'agent') return;
  const node = await ctx.cluster.nodes.get(ctx.node, ctx.signal);
  if (!node || readAgentId(node) === r.id || node.bootId !== r.bootIdBefore) return;
  await ctx.cluster.nodes.requestAction(ctx.node, agentRequest(ctx, r), ctx.signal);
}

/** The agent's action for what was journaled, with the plan's `rebootAfter` for a patch. */
function agentRequest(ctx: NodeContext, r: Requested): NodeActionRequest {
  const a = ctx.phase.action;
  const rebootAfter = a.type === 'agent' ? a.rebootAfter : undefined;
  return { id: r.id, operation: r.operation, ...(r.version ? { version: r.version } : {}), ...(rebootAfter ? { rebootAfter } : {}) };
}

/** Back, by the node's own word: Ready, and a new boot (reboot, patch) or the asked kubelet version (upgrade). */
function confirmed(n: NodeView, r: Requested): boolean {
  if (!n.ready) return false;
  if (r.operation === 'upgrade') return r.version ? n.kubeletVersion === r.version : n.kubeletVersion !== r.kubeletBefore;
  return n.bootId !== r.bootIdBefore;
}

/**
 * The agent answered done: for a patch that needed no reboot, the only word there is (the boot id stays);
 * the patch's packages are the host's to show, not the API's.
 */
function agentDone(n: NodeView, id: string): boolean {
  try {
    const s = JSON.parse(n.annotations[ANNOTATIONS.actionStatus] ?? '{}') as { id?: string; phase?: string };
    return s.id === id && s.phase === 'done';
  } catch {
    return false;
  }
}

function agentFailure(n: NodeView, id: string): string | undefined {
  const raw = n.annotations[ANNOTATIONS.actionStatus];
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as { id?: string; phase?: string; message?: string };
    return s.id === id && s.phase === 'failed' ? (s.message ?? 'failed') : undefined;
  } catch {
    return undefined;
  }
}

function readAgentId(n: NodeView): string | undefined {
  try {
    return (JSON.parse(n.annotations[ANNOTATIONS.action] ?? '{}') as { id?: string }).id;
  } catch {
    return undefined;
  }
}

async function notBackMessage(ctx: NodeContext, r: Requested, timeoutMs: number): Promise<string> {
  const what = r.operation === 'upgrade' ? `kubelet ${r.version ?? 'upgrade'}` : 'a new boot';
  let n;
  try {
    n = await ctx.cluster.nodes.get(ctx.node, ctx.signal);
  } catch (e: unknown) {
    if (isAbortError(e)) throw e;
    return `node ${ctx.node} did not come back with ${what} within ${Math.round(timeoutMs / 1000)}s; it could not be read (${errorMessage(e)})`;
  }
  if (!n) return `node ${ctx.node} is gone`;
  const state = n.ready ? 'Ready' : `NotReady${n.readyMessage ? ` (${n.readyMessage})` : ''}`;
  const boot = n.bootId === r.bootIdBefore ? 'same boot id as before' : 'new boot id';
  return `node ${ctx.node} did not come back with ${what} within ${Math.round(timeoutMs / 1000)}s: it is ${state}, ${boot}, kubelet ${n.kubeletVersion}`;
}
