// The node agent's loop over fakes of its own Node and its host, on a virtual clock: `running` is written
// before the host is asked, a reboot is answered by the next life of the agent on the new boot, a failed
// patch reports its exit code and output, a patch reboots only when needed, an upgrade is done when the
// kubelet reports the version, and reboot-required is published when it changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAgent } from '../../../src/agent/agent.ts';
import { agentMetrics } from '../../../src/agent/metrics.ts';
import type { OwnNodePort } from '../../../src/agent/agent.ts';
import type { AgentStatus } from '../../../src/agent/decide.ts';
import { parseStatus } from '../../../src/agent/decide.ts';
import type { CommandResult, HostPort } from '../../../src/agent/host.ts';
import { VirtualClock } from '../engine/runner-fakes.ts';

interface Fakes {
  readonly node: OwnNodePort;
  readonly host: HostPort;
  readonly events: string[];
  readonly state: { action?: string; status?: string; bootId: string; kubeletVersion: string; rebootRequired: boolean; labels: boolean[] };
}

function fakes(clock: VirtualClock, o: { action?: string; patch?: CommandResult; needsReboot?: boolean; versionAfterMs?: number; onReboot?: () => void; onStatus?: (s: AgentStatus) => void }): Fakes {
  const events: string[] = [];
  const state: Fakes['state'] = { action: o.action, bootId: 'boot-a', kubeletVersion: 'v1.30.4', rebootRequired: o.needsReboot ?? false, labels: [] };
  const node: OwnNodePort = {
    read: async () => ({ action: state.action, status: state.status, bootId: state.bootId, kubeletVersion: state.kubeletVersion }),
    writeStatus: async (s) => {
      state.status = JSON.stringify(s);
      events.push(`status ${s.phase}${s.rebooting ? ' rebooting' : ''}${s.bootId ? ` on ${s.bootId}` : ''}: ${s.message}`);
      o.onStatus?.(s);
    },
    publishRebootRequired: async (required) => void state.labels.push(required),
    changed: (ms, signal) => clock.sleep(Math.min(ms, 1_000), signal),
    event: async (e) => void events.push(`event ${e.type} ${e.reason}: ${e.message}`),
  };
  const host: HostPort = {
    reboot: async () => {
      events.push('host reboot');
      o.onReboot?.();
    },
    patch: async () => {
      events.push('host patch');
      return o.patch ?? { code: 0, outputTail: '' };
    },
    upgrade: async (version) => {
      events.push(`host upgrade ${version}`);
      if (o.versionAfterMs !== undefined) void clock.sleep(o.versionAfterMs).then(() => (state.kubeletVersion = version));
      return { code: 0, outputTail: '' };
    },
    rebootRequired: async () => state.rebootRequired,
  };
  return { node, host, events, state };
}

const OPTIONS = { confirmGraceMs: 300_000, sentinelPeriodMs: 60_000, rebootAfterPatch: 'needed' as const };
const REBOOT = JSON.stringify({ id: 'run-1/n1/1', operation: 'reboot' });

test('a reboot: running with the boot id is written before the host is asked; the agent of the next boot answers done', async () => {
  const clock = new VirtualClock();
  const life = new AbortController();
  const f = fakes(clock, { action: REBOOT, onReboot: () => life.abort() });
  // Given the action, when the agent runs until the host reboots (which ends it)
  await runAgent({ ...OPTIONS, node: f.node, host: f.host, clock }, life.signal);
  // Then it recorded before it asked
  assert.deepEqual(f.events, ['status running rebooting on boot-a: rebooting', 'event Normal DaylightActionStarted: run-1/n1/1: reboot on boot boot-a', 'event Normal DaylightRebooting: run-1/n1/1: asking the host to reboot', 'host reboot']);
  // When the node comes back on a new boot and the agent starts again
  f.state.bootId = 'boot-b';
  const next = new AbortController();
  const g = { ...f, node: { ...f.node, writeStatus: async (s: AgentStatus) => (await f.node.writeStatus(s), next.abort()) } };
  await runAgent({ ...OPTIONS, node: g.node, host: f.host, clock }, next.signal);
  // Then it answers done, with an Event on the node, and the host was asked once
  assert.deepEqual(parseStatus(f.state.status), { id: 'run-1/n1/1', phase: 'done', message: 'rebooted, boot id boot-b' });
  assert.equal(f.events.at(-1), 'event Normal DaylightActionDone: run-1/n1/1: rebooted, boot id boot-b');
  assert.deepEqual(f.events.filter((e) => e === 'host reboot'), ['host reboot']);
});

test('a patch that fails is answered failed with its exit code and output tail, and nothing reboots', async () => {
  const clock = new VirtualClock();
  const stop = new AbortController();
  const f = fakes(clock, { action: JSON.stringify({ id: 'p/1', operation: 'patch' }), patch: { code: 100, outputTail: 'E: Could not get lock /var/lib/dpkg/lock-frontend' }, needsReboot: true, onStatus: (s) => s.phase !== 'running' && stop.abort() });
  await runAgent({ ...OPTIONS, node: f.node, host: f.host, clock }, stop.signal);
  assert.deepEqual(parseStatus(f.state.status), { id: 'p/1', phase: 'failed', message: 'the patch command exited with 100: E: Could not get lock /var/lib/dpkg/lock-frontend' });
  assert.ok(!f.events.includes('host reboot'), f.events.join('\n'));
  assert.equal(f.events.at(-1), 'event Warning DaylightActionFailed: p/1: the patch command exited with 100: E: Could not get lock /var/lib/dpkg/lock-frontend');
});

test('a patch reboots only when the host needs it (or the plan says always), recording that it reboots first', async () => {
  for (const [needsReboot, rebootAfterPatch, expected] of [
    [false, 'needed', ['host patch', 'status done: patched; no reboot needed', 'event Normal DaylightActionDone: p/1: patched; no reboot needed']],
    [true, 'needed', ['host patch', 'status running rebooting on boot-a: patched; rebooting', 'event Normal DaylightRebooting: p/1: patched; the host needs a reboot: asking it to reboot', 'host reboot']],
    [false, 'always', ['host patch', 'status running rebooting on boot-a: patched; rebooting', 'event Normal DaylightRebooting: p/1: patched; the plan reboots after every patch: asking the host to reboot', 'host reboot']],
  ] as const) {
    const clock = new VirtualClock();
    const stop = new AbortController();
    const f = fakes(clock, { action: JSON.stringify({ id: 'p/1', operation: 'patch' }), needsReboot, onReboot: () => stop.abort(), onStatus: (s) => s.phase === 'done' && stop.abort() });
    await runAgent({ ...OPTIONS, rebootAfterPatch, node: f.node, host: f.host, clock }, stop.signal);
    assert.deepEqual(f.events, ['status running on boot-a: installing patches', 'event Normal DaylightActionStarted: p/1: patch on boot boot-a', ...expected], `needsReboot ${needsReboot}, rebootAfter ${rebootAfterPatch}`);
  }
});

test('an upgrade is done when the kubelet reports the version, and failed when it does not within the grace', async () => {
  for (const [versionAfterMs, phase, message] of [
    [20_000, 'done', /^kubelet at v1\.31\.2$/],
    [undefined, 'failed', /the upgrade commands ended, but the kubelet reports v1\.30\.4, not v1\.31\.2, 300 s later/],
  ] as const) {
    const clock = new VirtualClock();
    const stop = new AbortController();
    const f = fakes(clock, { action: JSON.stringify({ id: 'u/1', operation: 'upgrade', version: 'v1.31.2' }), versionAfterMs, onStatus: (s) => s.phase !== 'running' && stop.abort() });
    await runAgent({ ...OPTIONS, node: f.node, host: f.host, clock }, stop.signal);
    const s = parseStatus(f.state.status);
    assert.equal(s?.phase, phase);
    assert.match(s?.message ?? '', message);
  }
});

test('reboot-required is published when it changes, checked on its period, with no action to carry out', async () => {
  const clock = new VirtualClock();
  const stop = new AbortController();
  const f = fakes(clock, {});
  void clock.sleep(150_000).then(() => (f.state.rebootRequired = true));
  void clock.sleep(400_000).then(() => stop.abort());
  await runAgent({ ...OPTIONS, node: f.node, host: f.host, clock }, stop.signal);
  // false at the start, true at the first check after the sentinel appeared (180 s), not again after
  assert.deepEqual(f.state.labels, [false, true]);
  assert.deepEqual(f.events, []);
});

test('the metrics follow reboot-required, the action in progress, and the last action\'s result and duration', async () => {
  const clock = new VirtualClock();
  const stop = new AbortController();
  const metrics = agentMetrics('n1');
  const f = fakes(clock, { action: JSON.stringify({ id: 'u/1', operation: 'upgrade', version: 'v1.31.2' }), versionAfterMs: 20_000, needsReboot: true });
  let during = '';
  const node = { ...f.node, writeStatus: async (s: AgentStatus) => {
    await f.node.writeStatus(s);
    if (s.phase !== 'running') stop.abort();
  } };
  // While the host upgrades, the action is in progress
  const host = { ...f.host, upgrade: async (version: string) => ((during = metrics.text()), f.host.upgrade(version)) };
  await runAgent({ ...OPTIONS, node, host, clock, metrics }, stop.signal);
  assert.match(during, /^daylight_agent_action_in_progress\{node="n1"\} 1$/m);
  const text = metrics.text();
  assert.match(text, /^daylight_agent_reboot_required\{node="n1"\} 1$/m);
  assert.match(text, /^daylight_agent_action_in_progress\{node="n1"\} 0$/m);
  // The kubelet reported the version 20 s after the upgrade commands; the first look after that answers done
  assert.match(text, /^daylight_agent_last_action_duration_seconds\{node="n1",operation="upgrade",result="done"\} (\d+)$/m);
  const seconds = Number(/result="done"\} (\d+)/.exec(text)?.[1]);
  assert.ok(seconds >= 20 && seconds <= 22, `${seconds} s`);
});

test('restarted on the same boot after recording a reboot, the agent asks the host again once in that life, then waits for the new boot', async () => {
  const clock = new VirtualClock();
  const stop = new AbortController();
  const f = fakes(clock, { action: REBOOT });
  // Given a life that recorded `rebooting` and was killed before the host heard of it
  f.state.status = JSON.stringify({ id: 'run-1/n1/1', phase: 'running', message: 'rebooting', bootId: 'boot-a', startedAt: new Date(clock.now()).toISOString(), rebooting: true });
  // When the next life runs on the same boot for a minute, with the host slow to go down
  void clock.sleep(60_000).then(() => stop.abort());
  await runAgent({ ...OPTIONS, node: f.node, host: f.host, clock }, stop.signal);
  // Then it asked the host once, wrote nothing, and the action is still running (the grace is 5 minutes)
  assert.deepEqual(f.events, ['event Normal DaylightRebooting: run-1/n1/1: the agent restarted on boot boot-a before the reboot; asking the host again (the same reboot)', 'host reboot']);
  assert.equal(parseStatus(f.state.status)?.phase, 'running');
});

test('the plan\'s rebootAfter in the action overrides the agent\'s own setting, and an Event that cannot be recorded stops nothing', async () => {
  const clock = new VirtualClock();
  const stop = new AbortController();
  const f = fakes(clock, { action: JSON.stringify({ id: 'p/2', operation: 'patch', rebootAfter: 'always' }), needsReboot: false, onReboot: () => stop.abort() });
  const node = { ...f.node, event: async () => Promise.reject(new Error('events are forbidden')) };
  const lines: string[] = [];
  // Given an agent set to reboot after a patch only when needed, a host that needs none, and Events refused
  await runAgent({ ...OPTIONS, rebootAfterPatch: 'needed', node, host: f.host, clock, log: (l) => lines.push(l) }, stop.signal);
  // Then the action's `always` reboots it all the same, and the refused Events are logged
  assert.deepEqual(f.events, ['status running on boot-a: installing patches', 'host patch', 'status running rebooting on boot-a: patched; rebooting', 'host reboot']);
  assert.ok(lines.some((l) => /could not record the event DaylightActionStarted: events are forbidden/.test(l)), lines.join('\n'));
});
