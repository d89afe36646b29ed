// The engine's ControlPlaneProbe over the API server's own endpoints: `/version` for the version it
// serves, `/readyz?verbose` for its readiness. With `verbose` the server lists every check, one line each
// (`[+]ping ok`, `[-]etcd failed: reason withheld`), and answers 500 when one fails; the failing lines
// become the check names the engine journals.
import type { ControlPlaneProbe, Readiness } from '../engine/ports/control-plane.ts';
import { parseVersion } from '../lib/kube-version.ts';
import type { KubeVersion } from '../lib/kube-version.ts';

/** A request outside the generated clients, counted and authenticated (KubeApi.raw). */
export type ApiCall = (method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal) => Promise<{ status: number; body: string }>;

const FAILED_CHECK = /^\[-\](\S+)/;

export class ApiServerProbe implements ControlPlaneProbe {
  private readonly call: ApiCall;

  constructor(call: ApiCall) {
    this.call = call;
  }

  async version(signal: AbortSignal): Promise<KubeVersion> {
    const r = await this.call('GET', '/version', undefined, signal);
    if (r.status !== 200) throw new Error(`GET /version answered ${r.status}`);
    const v = (JSON.parse(r.body) as { gitVersion?: unknown }).gitVersion;
    if (typeof v !== 'string') throw new Error('GET /version has no gitVersion');
    const parsed = parseVersion(v);
    if (!parsed) throw new Error(`GET /version answered gitVersion ${JSON.stringify(v)}, not a Kubernetes 1.x version`);
    return parsed;
  }

  async readiness(signal: AbortSignal): Promise<Readiness> {
    const r = await this.call('GET', '/readyz?verbose', undefined, signal);
    if (r.status === 200) return { ready: true };
    const failing = r.body.split('\n').flatMap((line) => FAILED_CHECK.exec(line.trim())?.slice(1, 2) ?? []);
    const said = r.body.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('[+]')).join(' | ');
    return { ready: false, failing, detail: `/readyz answered ${r.status}: ${said.slice(0, 300)}` };
  }
}
