// What a region's real HTTP ingress answered: requests by status code and their real latency, for the
// region's /metrics (so a Prometheus can compute an error ratio) and the sandbox's status.
import { LatencyHistogram } from './metrics.ts';
import type { Family } from './metrics.ts';

/** Codes always exposed, even at zero, so a rate() over them exists before the first error. */
const KNOWN_CODES = ['200', '500', '503'];

export const INGRESS_REQUESTS = 'daylight_sandbox_ingress_requests_total';
export const INGRESS_DURATION = 'daylight_sandbox_ingress_request_duration_seconds';

export class IngressMetrics {
  private readonly byCode = new Map<string, number>(KNOWN_CODES.map((c) => [c, 0]));
  private readonly histogram = new LatencyHistogram();

  observe(code: number, seconds: number): void {
    const key = String(code);
    this.byCode.set(key, (this.byCode.get(key) ?? 0) + 1);
    this.histogram.observe(seconds);
  }

  /** Requests answered so far, by status code. */
  requests(): Record<string, number> {
    return Object.fromEntries(this.byCode);
  }

  families(region: string): Family[] {
    const l = `region="${region}"`;
    const codes = [...this.byCode].sort(([a], [b]) => (a < b ? -1 : 1));
    return [
      { name: INGRESS_REQUESTS, help: 'Requests the region\'s HTTP ingress answered, by status code.', type: 'counter', lines: codes.map(([code, n]) => `${INGRESS_REQUESTS}{${l},code="${code}"} ${n}`) },
      { name: INGRESS_DURATION, help: 'Real time from a request reaching the region\'s HTTP ingress to its answer.', type: 'histogram', lines: this.histogram.lines(INGRESS_DURATION, l) },
    ];
  }
}
