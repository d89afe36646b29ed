// A node action of type command as the shell receives it: the plan's template rendered by the same renderer
// as hooks, each value quoted when it needs it, and a name the engine does not know never run as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeContext } from '../../../src/engine/node-context.ts';
import { performAction } from '../../../src/engine/node-action.ts';
import type { SharedReads } from '../../../src/engine/shared-reads.ts';
import { fakeCluster, noBudgets } from '../checks/fakes.ts';
import type { NodeView } from '../../../src/engine/ports/cluster-views.ts';
import type { CommandExec } from '../../../src/lib/command-exec.ts';
import { HookSchema } from '../../../src/plan/hook-schema.ts';
import { runHook } from '../../../src/notify/hooks.ts';
import { parsePlan } from '../../../src/plan/load.ts';
import type { NodesPhase } from '../../../src/plan/schema.ts';

function phaseWith(action: string): NodesPhase {
  const text = ['apiVersion: daylight.dev/v1alpha1', 'kind: MaintenancePlan', 'metadata: {name: patch}', 'spec:', '  clusters: [{name: eu-central}]', '  phases:', `    - {name: os-patch, type: nodes, action: ${action}}`, ''].join('\n');
  const phase = parsePlan('plan.yaml', text).plan.spec.phases[0];
  assert.ok(phase?.type === 'nodes');
  return phase;
}

function node(bootId: string): NodeView {
  return { name: 'node-a1', uid: 'u1', labels: {}, annotations: {}, unschedulable: true, ready: true, taints: [], allocatable: { milliCpu: 8000, memory: 2 ** 35, pods: 110 }, bootId, kubeletVersion: 'v1.31.1', resourceVersion: '1' };
}

/** A node that reboots as soon as it is asked: the command's exit is all that decides. */
function context(phase: NodesPhase): NodeContext {
  const cluster = fakeCluster({
    nodes: {
      get: async () => node('boot-1'),
      waitFor: async (_name, done) => {
        const back = node('boot-2');
        return done(back) ? back : undefined;
      },
    },
  });
  return {
    cluster,
    clusterName: 'eu-central',
    node: 'node-a1',
    runId: 'r-42',
    phase,
    clock: { now: () => 0, sleep: async () => undefined, speed: 1 },
    record: () => Promise.resolve(),
    signal: new AbortController().signal,
    reads: {} as SharedReads,
    budgets: noBudgets(),
  };
}

function recordingExec(): { exec: CommandExec; commands: string[] } {
  const commands: string[] = [];
  const exec: CommandExec = async (command) => {
    commands.push(command);
    return { exitCode: 0, signal: null, timedOut: false, output: '', durationMs: 1 };
  };
  return { exec, commands };
}

test('a node command gets the node, the cluster and the version, quoted for the shell where they need it', async () => {
  // Given a command action whose version holds a space and a quote
  const phase = phaseWith(`{type: command, operation: upgrade, version: "v1.31.2 it's", run: "ssh {{node.name}} sudo upgrade {{version}} --cluster={{cluster}} --run={{run.id}}"}`);
  const { exec, commands } = recordingExec();
  // When the engine performs it
  await performAction(context(phase), exec);
  // Then the shell gets each value as one word, and the names as they are
  assert.deepEqual(commands, [`ssh node-a1 sudo upgrade 'v1.31.2 it'\\''s' --cluster=eu-central --run=r-42`]);
});

test('a node command and a hook command with the same template render the same: one renderer, one quoting', async () => {
  // Given the same command in a node action and in a hook, and a cluster name that needs quoting
  const phase = phaseWith('{type: command, run: "notify {{cluster}} {{run.id}}"}');
  const node = recordingExec();
  const hook = recordingExec();
  // When the engine runs the node action and the hook
  await performAction({ ...context(phase), clusterName: 'eu central' }, node.exec);
  await runHook(HookSchema.parse({ on: 'pre-drain', type: 'command', run: 'notify {{cluster}} {{run}}' }), { vars: { cluster: 'eu central', run: 'r-42' }, now: () => new Date(0), exec: hook.exec });
  // Then both reach the shell alike
  assert.deepEqual(node.commands, [`notify 'eu central' r-42`]);
  assert.deepEqual(hook.commands, node.commands);
});

test('a name the engine does not fill in is never run as written', async () => {
  // Given a phase built past the loader (which refuses it) with a typo in the command
  const phase = phaseWith('{type: command, run: "echo {{cluster}}"}');
  const typo = { ...phase, action: { ...phase.action, run: 'ssh {{node.nmae}} sudo reboot' } } as NodesPhase;
  const { exec, commands } = recordingExec();
  // When the engine performs it
  const outcome = await performAction(context(typo), exec);
  // Then nothing reaches the shell, and the failure names the unknown name
  assert.deepEqual(commands, []);
  assert.equal(outcome.kind, 'failed');
  assert.match(outcome.kind === 'failed' ? outcome.message : '', /uses \{\{node\.nmae\}\}, which is not a known variable; known variables: cluster, node\.name, operation, run\.id, version/);
});
