// What can be checked of the agent's image and manifest without Docker or a cluster: the checks every image
// passes (image-checks.ts: bases pinned, ENTRYPOINT the DaemonSet's command, the files it copies), and the
// DaemonSet's arguments accepted by `daylight agent` itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../../src/cli/args.ts';
import { AGENT_OPTIONS, agentSettings } from '../../../src/cli/agent.ts';
import { imageTests, renderedContainer } from './image-checks.ts';

imageTests({ dockerfile: 'images/agent/Dockerfile', manifest: 'deploy/daylight-agent.yaml', kind: 'DaemonSet', subcommand: 'agent' });

test('the DaemonSet\'s arguments are ones `daylight agent` accepts: the node from NODE_NAME, in-cluster, reboot by signal, the host\'s sentinel', () => {
  const c = renderedContainer('deploy/daylight-agent.yaml', 'DaemonSet');
  const s = agentSettings(parse('agent', c.args ?? [], AGENT_OPTIONS), { NODE_NAME: 'node-a', KUBERNETES_SERVICE_HOST: '10.96.0.1' });
  assert.deepEqual(s, {
    node: 'node-a',
    kubeconfig: 'in-cluster',
    metrics: { port: 9102, host: '0.0.0.0' },
    host: { reboot: { method: 'signal' }, sentinelFile: '/host/var/run/reboot-required' },
    rebootAfterPatch: 'needed',
    sentinelPeriodMs: 60_000,
    confirmGraceMs: 600_000,
  });
});
