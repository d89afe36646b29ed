// The faults each region's HTTP ingress injects now: set from the fleet file at start, changed while the
// sandbox runs through PUT /sandbox/v1/faults, so a test can make a region fail at the moment it chooses.
import { z } from 'zod';
import { IngressFaultSchema } from './fleet-schema.ts';
import type { IngressFault } from './fleet-schema.ts';

export type { IngressFault };

const NO_FAULT: IngressFault = { errorRate: 0, latencyMs: 0 };

const PatchSchema = z.strictObject({ ingress: z.record(z.string(), IngressFaultSchema) });

const EXAMPLE = 'send {"ingress": {"<region>": {"errorRate": 0.2, "latencyMs": 50}}}';

/** Bad input to `apply`: the message says what is wrong and how to write it. */
export class IngressFaultsError extends Error {
  override name = 'IngressFaultsError';
}

export class IngressFaults {
  private readonly regions: readonly string[];
  private readonly current = new Map<string, IngressFault>();

  constructor(regions: readonly string[], initial: Readonly<Record<string, IngressFault>> = {}) {
    this.regions = regions;
    for (const r of regions) this.current.set(r, initial[r] ?? NO_FAULT);
  }

  of(region: string): IngressFault {
    return this.current.get(region) ?? NO_FAULT;
  }

  all(): Record<string, IngressFault> {
    return Object.fromEntries(this.current);
  }

  /**
   * Sets the faults of the regions a request body names, `{"ingress": {"eu-west": {"errorRate": 1}}}`;
   * omitted fields are 0 and regions not named keep theirs. Nothing changes when any part is wrong.
   */
  apply(body: unknown): void {
    const parsed = PatchSchema.safeParse(body);
    if (!parsed.success) throw new IngressFaultsError(`${parsed.error.issues.map(describe).join('; ')}; ${EXAMPLE}`);
    const unknown = Object.keys(parsed.data.ingress).filter((r) => !this.current.has(r));
    if (unknown.length) {
      throw new IngressFaultsError(`ingress.${unknown[0]}: "${unknown[0]}" is not a region of this fleet; write one of ${this.regions.join(', ')}`);
    }
    for (const [region, fault] of Object.entries(parsed.data.ingress)) this.current.set(region, fault);
  }
}

function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.') || '(body)';
  if (issue.code === 'unrecognized_keys') {
    const fields = issue.path.length === 0 ? 'ingress' : 'errorRate, latencyMs';
    return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; the fields here are ${fields}`;
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) return '(body): expected a JSON object';
  if (issue.code === 'invalid_type' && issue.path.length === 1) return 'ingress: expected an object of regions';
  if (issue.code === 'invalid_type' && issue.path.length === 2) return `${where}: expected an object such as {"errorRate": 0.2, "latencyMs": 50}`;
  return `${where}: ${issue.message}`;
}
