// The Linux host adapter's commands as built: argv arrays, never a shell string; the version of an upgrade
// checked before it is placed; the reboot as kured sends it; the sentinel file or command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REBOOT_COMMAND, DEFAULT_SENTINEL_FILE, HostConfigError, linuxHost, NSENTER, outputTail, SIGRTMIN_PLUS_5, withVersion } from '../../../src/agent/host.ts';
import type { CommandResult, LinuxHostOptions } from '../../../src/agent/host.ts';

function recording(answers: (argv: readonly string[]) => CommandResult = () => ({ code: 0, outputTail: 'ok' })) {
  const ran: string[][] = [];
  const kills: [number, number][] = [];
  const checked: string[] = [];
  const base: Pick<LinuxHostOptions, 'exec' | 'kill' | 'exists'> = {
    exec: async (argv) => {
      ran.push([...argv]);
      return answers(argv);
    },
    kill: (pid, signal) => void kills.push([pid, signal]),
    exists: (path) => {
      checked.push(path);
      return path === DEFAULT_SENTINEL_FILE;
    },
  };
  return { ran, kills, checked, base };
}

test('reboot by signal sends SIGRTMIN+5 to PID 1 and runs nothing; by command runs systemctl reboot in the host\'s namespaces', async () => {
  const r = recording();
  await linuxHost({ ...r.base, reboot: { method: 'signal' } }).reboot();
  assert.deepEqual(r.kills, [[1, SIGRTMIN_PLUS_5]]);
  assert.equal(SIGRTMIN_PLUS_5, 39);
  assert.deepEqual(r.ran, []);
  await linuxHost({ ...r.base, reboot: { method: 'command' } }).reboot();
  assert.deepEqual(r.ran, [['nsenter', '--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--', 'systemctl', 'reboot']]);
  assert.deepEqual(r.ran[0], [...DEFAULT_REBOOT_COMMAND]);
});

test('a reboot command that fails is an error with its exit code and output', async () => {
  const r = recording(() => ({ code: 1, outputTail: 'Failed to connect to bus' }));
  await assert.rejects(linuxHost({ ...r.base, reboot: { method: 'command' } }).reboot(), /exited with 1: Failed to connect to bus/);
});

test('patch runs the configured argv as it is and reports its exit code and output tail; none configured is a configuration error', async () => {
  const apt = [...NSENTER, 'unattended-upgrade', '--verbose'];
  const r = recording(() => ({ code: 100, outputTail: 'E: dpkg was interrupted' }));
  assert.deepEqual(await linuxHost({ ...r.base, reboot: { method: 'signal' }, patchCommand: apt }).patch(), { code: 100, outputTail: 'E: dpkg was interrupted' });
  assert.deepEqual(r.ran, [apt]);
  await assert.rejects(linuxHost({ ...r.base, reboot: { method: 'signal' } }).patch(), (e: unknown) => e instanceof HostConfigError && /no patch command is configured/.test(e.message));
});

test('upgrade places the checked version in whole argv elements, step by step, and stops at the first that fails', async () => {
  const steps = [
    [...NSENTER, 'kubeadm', 'upgrade', 'node'],
    [...NSENTER, 'apt-get', 'install', '-y', 'kubelet={{version}}-*', 'kubectl={{version}}-*'],
    [...NSENTER, 'systemctl', 'restart', 'kubelet'],
  ];
  const r = recording((argv) => ({ code: argv.includes('install') ? 2 : 0, outputTail: argv.includes('install') ? 'E: Version not found' : '' }));
  const result = await linuxHost({ ...r.base, reboot: { method: 'signal' }, upgradeCommands: steps }).upgrade('v1.31.2');
  assert.deepEqual(r.ran, [steps[0], [...NSENTER, 'apt-get', 'install', '-y', 'kubelet=v1.31.2-*', 'kubectl=v1.31.2-*']]);
  assert.equal(result.code, 2);
  assert.match(result.outputTail, /apt-get install -y kubelet=v1\.31\.2-\* kubectl=v1\.31\.2-\*: E: Version not found$/);
});

test('a version that is not one is refused before any command runs: nothing a shell or a flag could read gets in', async () => {
  const r = recording();
  const host = linuxHost({ ...r.base, reboot: { method: 'signal' }, upgradeCommands: [['kubeadm', 'upgrade', 'apply', '{{version}}']] });
  for (const bad of ['v1.31.2; reboot', '$(id)', '--force', 'v1.31', '']) {
    await assert.rejects(host.upgrade(bad), (e: unknown) => e instanceof HostConfigError && /must look like v1\.31\.2/.test(e.message), bad);
  }
  assert.deepEqual(r.ran, []);
  assert.deepEqual(withVersion(['a', '{{version}}', 'x{{version}}y'], 'v1.2.3'), ['a', 'v1.2.3', 'xv1.2.3y']);
});

test('reboot required: the sentinel file by default, the sentinel command (exit 0) when one is set', async () => {
  const r = recording((argv) => ({ code: argv[0] === 'needs-restarting' ? 1 : 0, outputTail: '' }));
  assert.equal(await linuxHost({ ...r.base, reboot: { method: 'signal' } }).rebootRequired(), true);
  assert.deepEqual(r.checked, [DEFAULT_SENTINEL_FILE]);
  assert.equal(await linuxHost({ ...r.base, reboot: { method: 'signal' }, sentinelFile: '/host/run/reboot-required' }).rebootRequired(), false);
  assert.equal(await linuxHost({ ...r.base, reboot: { method: 'signal' }, sentinelCommand: ['needs-restarting', '-r'] }).rebootRequired(), false);
  assert.equal(await linuxHost({ ...r.base, reboot: { method: 'signal' }, sentinelCommand: ['test', '-e', '/x'] }).rebootRequired(), true);
  assert.deepEqual(r.ran, [['needs-restarting', '-r'], ['test', '-e', '/x']]);
});

test('the output tail keeps the end, from a line start when one is near', () => {
  assert.equal(outputTail('short'), 'short');
  const long = `${'x'.repeat(3000)}\nlast line one\nlast line two`;
  assert.equal(outputTail(long, 30), 'last line one\nlast line two');
  assert.equal(outputTail('y'.repeat(5000), 10), 'y'.repeat(10));
});
