// The node agent's host port: what it asks of the machine it runs on, and the Linux adapter that asks it.
// Every command is an argv array run without a shell; the only value Daylight puts into one is the kubelet
// version of an upgrade, checked to be a version before it is placed in a whole argument (never a node name,
// never a string a shell would read). The reboot is kured's: SIGRTMIN+5 to the host's PID 1 (systemd
// reboots on it; needs `hostPID` and `CAP_KILL` only), or `systemctl reboot` entered into the host's
// namespaces with nsenter (needs `hostPID` and privilege).
import { isExactVersion } from '../lib/kube-version.ts';

/** A command's end: its exit code (null when a signal ended it) and the tail of what it printed. */
export interface CommandResult {
  readonly code: number | null;
  readonly outputTail: string;
}

/** Runs an argv without a shell; the one place a process is started, so tests see every argv as built. */
export type Exec = (argv: readonly string[], o: { readonly timeoutMs: number }) => Promise<CommandResult>;

export interface HostPort {
  /** Asks the host to reboot; returns once asked (the reboot then ends the agent). */
  reboot(): Promise<void>;
  /** The configured patch command. */
  patch(): Promise<CommandResult>;
  /** The configured upgrade commands with `{{version}}` filled in, one after the other until one fails. */
  upgrade(version: string): Promise<CommandResult>;
  /** Whether the host says it needs a reboot: the sentinel command's exit code 0, else the sentinel file. */
  rebootRequired(): Promise<boolean>;
}

export type RebootMethod = { readonly method: 'signal'; readonly signal?: number } | { readonly method: 'command'; readonly command?: readonly string[] };

export interface LinuxHostOptions {
  readonly reboot: RebootMethod;
  /** argv of the patch command (see docs/agent.md for apt, dnf and zypper); run in the host's namespaces. */
  readonly patchCommand?: readonly string[];
  /** argv of each upgrade step; an element `{{version}}`, or one containing it, gets the version. */
  readonly upgradeCommands?: readonly (readonly string[])[];
  /** The reboot-required sentinel file, as the agent sees the host's (default /var/run/reboot-required). */
  readonly sentinelFile?: string;
  /** A sentinel command instead of the file: exit code 0 means a reboot is needed (`needs-restarting -r` answers 1). */
  readonly sentinelCommand?: readonly string[];
  readonly commandTimeoutMs?: number;
  readonly exec: Exec;
  /** Sends `signal` to `pid` (process.kill); a seam for tests. */
  readonly kill: (pid: number, signal: number) => void;
  /** Whether a file exists (fs.existsSync); a seam for tests. */
  readonly exists: (path: string) => boolean;
}

/** SIGRTMIN+5 on Linux (SIGRTMIN is 34): what systemd takes as "reboot", as kured sends it. */
export const SIGRTMIN_PLUS_5 = 39;
/** Into the host's mount, UTS, IPC, network and PID namespaces through PID 1 (the pod needs hostPID). */
export const NSENTER = ['nsenter', '--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--'] as const;
export const DEFAULT_REBOOT_COMMAND = [...NSENTER, 'systemctl', 'reboot'] as const;
export const DEFAULT_SENTINEL_FILE = '/var/run/reboot-required';

export class HostConfigError extends Error {}

/** One upgrade step with the version placed: only inside whole argv elements, and only a checked version. */
export function withVersion(argv: readonly string[], version: string): string[] {
  if (!isExactVersion(version)) throw new HostConfigError(`the upgrade version must look like v1.31.2, got ${JSON.stringify(version)}`);
  return argv.map((a) => a.replaceAll('{{version}}', version));
}

export function linuxHost(o: LinuxHostOptions): HostPort {
  const timeoutMs = o.commandTimeoutMs ?? 30 * 60_000;
  return {
    reboot: async () => {
      if (o.reboot.method === 'signal') {
        o.kill(1, o.reboot.signal ?? SIGRTMIN_PLUS_5);
        return;
      }
      const r = await o.exec(o.reboot.command ?? DEFAULT_REBOOT_COMMAND, { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`the reboot command exited with ${r.code ?? 'a signal'}: ${r.outputTail}`);
    },
    patch: async () => {
      if (!o.patchCommand?.length) throw new HostConfigError('no patch command is configured (agent.patchCommand); see docs/agent.md for apt, dnf and zypper');
      return o.exec(o.patchCommand, { timeoutMs });
    },
    upgrade: async (version) => {
      if (!o.upgradeCommands?.length) throw new HostConfigError('no upgrade commands are configured (agent.upgradeCommands); see docs/agent.md for kubeadm nodes');
      const steps = o.upgradeCommands.map((c) => withVersion(c, version));
      let last: CommandResult = { code: 0, outputTail: '' };
      for (const argv of steps) {
        last = await o.exec(argv, { timeoutMs });
        if (last.code !== 0) return { code: last.code, outputTail: `${argv.join(' ')}: ${last.outputTail}` };
      }
      return last;
    },
    rebootRequired: async () => {
      if (o.sentinelCommand?.length) return (await o.exec(o.sentinelCommand, { timeoutMs: 60_000 })).code === 0;
      return o.exists(o.sentinelFile ?? DEFAULT_SENTINEL_FILE);
    },
  };
}

/** The last `max` characters of a command's output, cut at a line start where one is near. */
export function outputTail(text: string, max = 2_000): string {
  if (text.length <= max) return text;
  const cut = text.slice(-max);
  const line = cut.indexOf('\n');
  return line >= 0 && line < 200 ? cut.slice(line + 1) : cut;
}
