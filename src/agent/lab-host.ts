// The node agent's host port over HTTP, for the sandbox's kubernetes engine: its lab hosts
// (src/sandbox/kubernetes/lab-hosts.ts) play the machine under each kwok node, so the whole agent, its
// process, its restarts and the reboot that ends it, runs as it would on a real host. Only `daylight agent
// --lab-host URL` uses it; a real node's agent uses the Linux adapter (host.ts).
import type { CommandResult, HostPort } from './host.ts';

export function labHost(base: string): HostPort {
  const call = async (method: 'GET' | 'POST', op: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${base}/${op}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`the lab host answered ${res.status} to ${op}: ${text.trim().slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  };
  const result = (value: unknown, op: string): CommandResult => {
    const r = value as { code?: unknown; outputTail?: unknown } | null;
    if (!r || (typeof r.code !== 'number' && r.code !== null) || typeof r.outputTail !== 'string') throw new Error(`the lab host's answer to ${op} is not a command result: ${JSON.stringify(value)}`);
    return { code: r.code, outputTail: r.outputTail };
  };
  return {
    reboot: async () => void (await call('POST', 'reboot')),
    patch: async () => result(await call('POST', 'patch'), 'patch'),
    upgrade: async (version) => result(await call('POST', 'upgrade', { version }), 'upgrade'),
    rebootRequired: async () => (await call('GET', 'reboot-required') as { required?: unknown }).required === true,
  };
}
