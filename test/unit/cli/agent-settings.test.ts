// `daylight agent`'s flags and environment, checked before anything is touched: the node from $NODE_NAME,
// in-cluster in a pod, commands as JSON argv only, and every mistake named by its flag (exit 2, no trace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../../src/cli/args.ts';
import { AGENT_OPTIONS, agentSettings } from '../../../src/cli/agent.ts';
import { UserError } from '../../../src/lib/errors.ts';

const settings = (argv: string[], env: Record<string, string> = {}) => agentSettings(parse('agent', argv, AGENT_OPTIONS), env);

test('in a pod: the node from NODE_NAME, the service account, reboot by signal, and the defaults', () => {
  assert.deepEqual(settings([], { NODE_NAME: 'n1', KUBERNETES_SERVICE_HOST: '10.0.0.1' }), {
    node: 'n1',
    kubeconfig: 'in-cluster',
    host: { reboot: { method: 'signal' } },
    rebootAfterPatch: 'needed',
    sentinelPeriodMs: 60_000,
    confirmGraceMs: 600_000,
  });
});

test('commands are JSON argv arrays, upgrade steps repeat in order, and a context and durations are taken', () => {
  const s = settings([
    '--node', 'n2', '--kubeconfig', '/k', '--context', 'eu', '--reboot-method', 'command', '--reboot-command', '["systemctl","reboot","--no-wall"]',
    '--patch-command', '["unattended-upgrade"]', '--upgrade-command', '["kubeadm","upgrade","node"]', '--upgrade-command', '["apt-get","install","-y","kubelet={{version}}-*"]',
    '--reboot-after-patch', 'always', '--sentinel-command', '["needs-restarting","-r"]', '--sentinel-period', '30s', '--confirm-grace', '15m',
  ]);
  assert.deepEqual(s, {
    node: 'n2',
    kubeconfig: '/k',
    context: 'eu',
    host: {
      reboot: { method: 'command', command: ['systemctl', 'reboot', '--no-wall'] },
      patchCommand: ['unattended-upgrade'],
      upgradeCommands: [['kubeadm', 'upgrade', 'node'], ['apt-get', 'install', '-y', 'kubelet={{version}}-*']],
      sentinelCommand: ['needs-restarting', '-r'],
    },
    rebootAfterPatch: 'always',
    sentinelPeriodMs: 30_000,
    confirmGraceMs: 900_000,
  });
});

test('each mistake is a UserError that names its flag and what to write', () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [[], {}, /no node to look after: pass --node, or set NODE_NAME/],
    [['--node', 'n', '--reboot-method', 'kexec'], {}, /--reboot-method kexec: expected signal or command/],
    [['--node', 'n', '--reboot-command', '["reboot"]'], {}, /--reboot-command is used only with --reboot-method command/],
    [['--node', 'n', '--patch-command', 'apt-get upgrade -y'], {}, /--patch-command apt-get upgrade -y: expected a JSON array of strings.*never a shell string/],
    [['--node', 'n', '--patch-command', '[]'], {}, /--patch-command \[\]: expected a non-empty JSON array/],
    [['--node', 'n', '--upgrade-command', '["kubeadm",1]'], {}, /--upgrade-command \["kubeadm",1\]: expected a non-empty JSON array of non-empty strings/],
    [['--node', 'n', '--reboot-after-patch', 'sometimes'], {}, /--reboot-after-patch sometimes: expected needed or always/],
    [['--node', 'n', '--sentinel-file', '/x', '--sentinel-command', '["true"]'], {}, /exclude each other/],
    [['--node', 'n', '--sentinel-period', 'often'], {}, /--sentinel-period often: "often" is not a duration/],
    [['--node', 'n', '--confirm-grace', '10ms'], {}, /--confirm-grace 10ms: it must be at least 1s/],
  ];
  for (const [argv, env, message] of cases) assert.throws(() => settings(argv, env), (e: unknown) => e instanceof UserError && message.test(e.message), argv.join(' '));
});

test('--lab-host is the sandbox\'s, on this machine, and excludes the real host\'s flags', () => {
  assert.equal(settings(['--node', 'n1', '--lab-host', 'http://127.0.0.1:4000/lab/v1/nodes/n1']).labHost, 'http://127.0.0.1:4000/lab/v1/nodes/n1');
  assert.throws(() => settings(['--node', 'n1', '--lab-host', 'http://10.0.0.1:4000/lab/v1/nodes/n1']), (e: unknown) => e instanceof UserError && /--lab-host http:\/\/10\.0\.0\.1:4000\/lab\/v1\/nodes\/n1: expected the sandbox's lab host on this machine/.test(e.message));
  assert.throws(() => settings(['--node', 'n1', '--lab-host', 'http://127.0.0.1:4000/lab/v1/nodes/n1', '--patch-command', '["apt-get","upgrade"]']), (e: unknown) => e instanceof UserError && /--lab-host excludes --patch-command/.test(e.message));
});
