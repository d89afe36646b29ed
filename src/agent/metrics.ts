// The node agent's metrics, in Prometheus' text format: whether the host needs a reboot (kured's
// `kured_reboot_required`, under Daylight's name), whether an action is in progress, and the last action's
// result and duration. The loop reports to it; `daylight agent --metrics-port` serves it on /metrics.
import type { AgentStatus } from './decide.ts';

export interface AgentMetrics {
  rebootRequired(required: boolean): void;
  actionStarted(id: string, operation: string, atMs: number): void;
  /** An answer written: `done` or `failed` ends the action in progress. */
  answered(status: AgentStatus, atMs: number): void;
  text(): string;
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function agentMetrics(node: string): AgentMetrics {
  let required: boolean | undefined;
  let current: { id: string; operation: string; atMs: number } | undefined;
  let last: { operation: string; phase: string; seconds: number } | undefined;
  const labels = (extra: Record<string, string> = {}) =>
    `{${Object.entries({ node, ...extra }).map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
  return {
    rebootRequired: (r) => void (required = r),
    actionStarted: (id, operation, atMs) => void (current = { id, operation, atMs }),
    answered: (status, atMs) => {
      if (status.phase === 'running') return;
      const started = current?.id === status.id ? current.atMs : Date.parse(status.startedAt ?? '');
      last = { operation: current?.id === status.id ? current.operation : 'unknown', phase: status.phase, seconds: Number.isFinite(started) ? Math.max(0, (atMs - started) / 1000) : 0 };
      if (current?.id === status.id || status.id === '') current = undefined;
    },
    text: () => {
      const lines = [
        '# HELP daylight_agent_reboot_required Whether the host says it needs a reboot (1) or not (0).',
        '# TYPE daylight_agent_reboot_required gauge',
        ...(required === undefined ? [] : [`daylight_agent_reboot_required${labels()} ${required ? 1 : 0}`]),
        '# HELP daylight_agent_action_in_progress Whether an action is being carried out on this node.',
        '# TYPE daylight_agent_action_in_progress gauge',
        `daylight_agent_action_in_progress${labels()} ${current ? 1 : 0}`,
        '# HELP daylight_agent_last_action_duration_seconds How long the last action took, from its start to its answer.',
        '# TYPE daylight_agent_last_action_duration_seconds gauge',
        ...(last ? [`daylight_agent_last_action_duration_seconds${labels({ operation: last.operation, result: last.phase })} ${last.seconds}`] : []),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}
