// The sandbox's own endpoints beside the Kubernetes API: the referee, the fleet's status, the global
// load balancer's weights and the faults of the regions' HTTP ingress.
import type { SandboxFleet } from '../fleet.ts';
import type { SandboxIngress } from '../ingress.ts';
import { IngressFaultsError } from '../ingress-faults.ts';
import type { Region } from '../region.ts';
import type { ApiReply, ApiRequest } from './request.ts';
import { isObject } from './request.ts';
import * as S from './status.ts';

export class SandboxEndpoints {
  private readonly fleet: SandboxFleet;
  private readonly region: Region;
  private readonly ingress: SandboxIngress;

  constructor(fleet: SandboxFleet, region: Region, ingress: SandboxIngress) {
    this.fleet = fleet;
    this.region = region;
    this.ingress = ingress;
  }

  handle(path: string, req: ApiRequest): ApiReply {
    if (path === '/sandbox/v1/referee' && req.method === 'GET') return { status: 200, body: this.fleet.referee.report() };
    if (path === '/sandbox/v1/referee/details' && req.method === 'GET') return { status: 200, body: this.fleet.referee.details() };
    if (path === '/sandbox/v1/status' && req.method === 'GET') return { status: 200, body: this.status() };
    if (path === '/sandbox/v1/traffic') return this.traffic(req);
    if (path === '/sandbox/v1/speed') return this.speed(req);
    if (path === '/sandbox/v1/faults') return this.faults(req);
    throw S.notFound({ group: 'sandbox.daylight.dev', resource: 'endpoints', name: path });
  }

  private status(): unknown {
    return {
      fleet: this.fleet.file.metadata.name,
      region: this.region.name,
      simulatedTime: new Date(this.fleet.clock.nowMs()).toISOString(),
      speed: this.fleet.speed,
      serving: this.fleet.serving,
      allPodsReady: this.fleet.allPodsReady(),
      regions: Object.fromEntries(this.fleet.regions.map((r) => [r.name, r.counts()])),
      ingress: this.ingress.status(),
    };
  }

  /** GET the ingress faults; PUT `{"ingress": {"eu-west": {"errorRate": 1, "latencyMs": 0}}}` to change some regions' faults. */
  private faults(req: ApiRequest): ApiReply {
    if (req.method === 'PUT' || req.method === 'POST') {
      try {
        this.ingress.faults.apply(req.body);
      } catch (e: unknown) {
        if (e instanceof IngressFaultsError) throw S.badRequest(e.message);
        throw e;
      }
    } else if (req.method !== 'GET') {
      throw S.methodNotAllowed();
    }
    return { status: 200, body: { ingress: this.ingress.faults.all() } };
  }

  /** GET the speed; PUT `{"speed": 1}` to run the simulated clock at another pace from now on. */
  private speed(req: ApiRequest): ApiReply {
    if (req.method === 'PUT' || req.method === 'POST') {
      const speed = isObject(req.body) ? req.body.speed : undefined;
      if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0 || speed > 100_000) throw S.badRequest('send {"speed": <simulated seconds per real second, above 0>}');
      if (this.fleet.speed === 0) throw S.badRequest('this sandbox steps its clock by hand; its speed cannot be set');
      this.fleet.start(speed);
    } else if (req.method !== 'GET') {
      throw S.methodNotAllowed();
    }
    return { status: 200, body: { speed: this.fleet.speed, simulatedTime: new Date(this.fleet.clock.nowMs()).toISOString() } };
  }

  /** GET the weights; PUT `{"weights": {"eu-west": 0}}` to change some of them. */
  private traffic(req: ApiRequest): ApiReply {
    if (req.method === 'PUT' || req.method === 'POST') {
      const weights = isObject(req.body) && isObject(req.body.weights) ? req.body.weights : undefined;
      if (!weights) throw S.badRequest('send {"weights": {"<region>": <number>}}');
      for (const [region, w] of Object.entries(weights)) {
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw S.badRequest(`weight of "${region}" must be a number >= 0, got ${JSON.stringify(w)}`);
        try {
          this.fleet.traffic.setWeight(region, w);
        } catch (e: unknown) {
          throw S.badRequest(e instanceof Error ? e.message : String(e));
        }
      }
    } else if (req.method !== 'GET') {
      throw S.methodNotAllowed();
    }
    const totals = Object.fromEntries(this.fleet.regions.map((r) => [r.name, this.fleet.traffic.totalsOf(r.name)]));
    return { status: 200, body: { weights: this.fleet.traffic.weightsNow(), initialWeights: this.fleet.traffic.initialWeights(), regions: totals } };
  }
}
