// The HAProxy traffic adapter: regions are servers of one backend, steered through the runtime API and
// verified on HAProxy's own statistics (`show stat`, `show servers state`, `get weight`) before a call returns.
import { systemClock, type Clock } from '../lib/clock.ts';
import { HaproxyRuntime, runtimeCommand } from './haproxy-runtime.ts';
import { adminStateOf, parseServersState, type ServerStateRow } from './haproxy-servers-state.ts';
import { parseShowStat, parseWeight, responsesOf, type StatRow } from './haproxy-stat.ts';
import { TrafficError, type DrainOptions, type DrainResult, type RegionTraffic, type TrafficPort, type TrafficSnapshot } from './types.ts';

export interface HaproxyTrafficOptions {
  /** The stats socket: `unix:///run/haproxy/admin.sock`, a bare path, or `tcp://127.0.0.1:9999`; needs `level admin`. */
  readonly runtimeApi: string;
  /** The backend whose servers are the regions. */
  readonly backend: string;
  /** Region (plan cluster name) -> server name in the backend. */
  readonly servers: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  /** Interval between statistics samples while waiting. Default 100 ms. */
  readonly pollMs?: number;
  /** How long a change may take to show in the statistics before it counts as not applied. Default 5 s. */
  readonly verifyTimeoutMs?: number;
  /** Real-time bound on one runtime API command. Default 5 s. */
  readonly commandTimeoutMs?: number;
  /** Runtime API connections open at once (HAProxy allows 10 by default). Default 4. */
  readonly maxConnections?: number;
  readonly random?: () => number;
}

/** A server as one sample saw it: its `show stat` row and its `show servers state` row. */
interface ServerView {
  readonly stat: StatRow;
  readonly state: ServerStateRow;
}

/** The backend's servers at one instant, by server name. */
type Sample = ReadonlyMap<string, ServerView>;

/** What a wait saw last, and the value that ended it (undefined when the deadline passed first). */
interface Polled<T> {
  readonly value: T | undefined;
  readonly sample: Sample;
}

const DEFAULT_POLL_MS = 100;
const DEFAULT_VERIFY_TIMEOUT_MS = 5_000;
/** `set weight` takes 0-256 (absolute); a percentage is of the initial weight, capped at 256. */
const MAX_WEIGHT = 256;

export class HaproxyTraffic implements TrafficPort {
  readonly provider = 'haproxy';
  readonly regions: readonly string[];
  readonly backend: string;
  readonly #servers: Readonly<Record<string, string>>;
  readonly #runtime: HaproxyRuntime;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #verifyMs: number;
  readonly #random: () => number;
  readonly #closing = new AbortController();

  constructor(o: HaproxyTrafficOptions) {
    if (!o.backend) throw new TrafficError('the HAProxy adapter needs a backend; set traffic.haproxy.backend in the plan');
    const regions = Object.keys(o.servers);
    if (regions.length === 0) throw new TrafficError('the HAProxy adapter needs at least one region; list region: server pairs under traffic.servers');
    const names = Object.values(o.servers);
    const shared = names.find((n, i) => names.indexOf(n) !== i);
    if (shared !== undefined) throw new TrafficError(`server ${shared} is named for two regions under traffic.servers; give each region its own server`);
    this.regions = regions;
    this.backend = o.backend;
    this.#servers = { ...o.servers };
    this.#clock = o.clock ?? systemClock;
    this.#random = o.random ?? Math.random;
    this.#pollMs = o.pollMs ?? DEFAULT_POLL_MS;
    this.#verifyMs = o.verifyTimeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
    this.#runtime = new HaproxyRuntime({
      address: o.runtimeApi, timeoutMs: o.commandTimeoutMs, maxConnections: o.maxConnections, clock: this.#clock, random: this.#random,
    });
  }

  async snapshot(signal?: AbortSignal): Promise<TrafficSnapshot> {
    const sample = await this.#sample(this.#signal(signal));
    const regions: Record<string, RegionTraffic> = {};
    for (const region of this.regions) regions[region] = regionTraffic(this.#view(sample, region));
    return { at: this.#clock.now(), regions };
  }

  async drain(region: string, o: DrainOptions): Promise<DrainResult> {
    const signal = this.#signal(o.signal);
    const target = this.#target(region);
    const before = await this.#sample(signal);
    const wasIn = adminStateOf(this.#view(before, region).state.adminState);
    this.#requireAnotherInService(before, region, 'drain');
    const start = this.#clock.now();
    // a server in maintenance already takes no new traffic; drain would turn its health checks back on
    if (wasIn !== 'maint') await this.#runtime.write([runtimeCommand('set server', target, 'state', 'drain')], signal);
    const stopped = await this.#untilNewTrafficStops(region, signal);
    const newTrafficStoppedMs = this.#clock.now() - start;
    const finished = await this.#poll(start + o.timeoutMs, () => this.#sample(signal), (s) => (this.#view(s, region).stat.scur === 0 ? true : undefined), signal, stopped);
    if (finished.value) return { newTrafficStoppedMs, sessionsGoneMs: this.#clock.now() - start, sessionsShut: 0 };
    // the timeout passed with sessions still open: shut them, as the plan's drain timeout promises
    const sessionsShut = this.#view(finished.sample, region).stat.scur;
    await this.#runtime.write([runtimeCommand('shutdown sessions server', target)], signal);
    const shut = await this.#poll(this.#clock.now() + this.#verifyMs, () => this.#sample(signal), (s) => (this.#view(s, region).stat.scur === 0 ? true : undefined), signal);
    if (!shut.value) throw this.#unconfirmed(`the sessions of region ${region} to end after \`shutdown sessions server ${target}\``, shut.sample, region);
    return { newTrafficStoppedMs, sessionsGoneMs: this.#clock.now() - start, sessionsShut };
  }

  async setShare(region: string, percent: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new TrafficError(`share ${percent} for region ${region} is not a whole percent of its initial weight; use an integer from 0 to 100`);
    }
    const s = this.#signal(signal);
    const target = this.#target(region);
    const before = await this.#sample(s);
    const initial = this.#view(before, region).state.iweight;
    // HAProxy takes a percentage of the initial weight and rounds down
    const weight = Math.min(MAX_WEIGHT, Math.floor((initial * percent) / 100));
    if (weight === 0 && percent > 0) {
      throw new TrafficError(`${percent}% of region ${region}'s initial weight ${initial} is weight 0 in HAProxy (it rounds down), so the region would take no traffic; give its server a weight of 100 or more in haproxy.cfg (server ${this.#servers[region] ?? region} ... weight 100)`);
    }
    if (weight === 0) this.#requireAnotherInService(before, region, 'set to 0% of its weight');
    // the weight first, so a drained region never takes traffic at its old weight
    await this.#runtime.write([runtimeCommand('set weight', target, `${percent}%`), runtimeCommand('set server', target, 'state', 'ready')], s);
    const what = `region ${region} to take new traffic at ${percent}% of its initial weight (weight ${weight} of ${initial})`;
    const seen = await this.#poll(this.#clock.now() + this.#verifyMs, () => this.#sample(s), (x) => {
      const v = this.#view(x, region);
      return v.state.uweight === weight && adminStateOf(v.state.adminState) === 'ready' && !/^(DRAIN|MAINT)/.test(v.stat.status) ? true : undefined;
    }, s);
    if (!seen.value) throw this.#unconfirmed(what, seen.sample, region);
    const w = parseWeight(await this.#runtime.send(runtimeCommand('get weight', target), s));
    if (w.current !== weight) throw new TrafficError(`HAProxy did not confirm ${what}: \`get weight ${target}\` answers ${w.current} (initial ${w.initial})`);
  }

  async cut(region: string, signal?: AbortSignal): Promise<void> {
    const s = this.#signal(signal);
    const target = this.#target(region);
    const before = await this.#sample(s);
    this.#view(before, region);
    this.#requireAnotherInService(before, region, 'cut');
    // one connection, so both take effect together: drain takes it out of load balancing, weight 0 keeps it out
    await this.#runtime.write([runtimeCommand('set server', target, 'state', 'drain'), runtimeCommand('set weight', target, '0')], s);
    const seen = await this.#poll(this.#clock.now() + this.#verifyMs, () => this.#sample(s), (x) => {
      const v = this.#view(x, region);
      return v.state.uweight === 0 && v.stat.weight === 0 && adminStateOf(v.state.adminState) === 'drain' ? true : undefined;
    }, s);
    if (!seen.value) throw this.#unconfirmed(`region ${region} cut to weight 0 and drained`, seen.sample, region);
  }

  async putBack(region: string, before: RegionTraffic, signal?: AbortSignal): Promise<void> {
    if (!Number.isInteger(before.weight) || before.weight < 0 || before.weight > MAX_WEIGHT) {
      throw new TrafficError(`cannot put region ${region} back at weight ${before.weight}: HAProxy weights are integers from 0 to ${MAX_WEIGHT}`);
    }
    const s = this.#signal(signal);
    const target = this.#target(region);
    this.#view(await this.#sample(s), region);
    const weight = runtimeCommand('set weight', target, String(before.weight));
    const state = runtimeCommand('set server', target, 'state', before.state);
    // leaving service: state first; entering it: weight first, so no instant runs at the wrong weight
    await this.#runtime.write(before.state === 'ready' ? [weight, state] : [state, weight], s);
    const seen = await this.#poll(this.#clock.now() + this.#verifyMs, () => this.#sample(s), (x) => {
      const v = this.#view(x, region);
      return v.state.uweight === before.weight && adminStateOf(v.state.adminState) === before.state ? true : undefined;
    }, s);
    if (!seen.value) throw this.#unconfirmed(`region ${region} back at weight ${before.weight} in state ${before.state}`, seen.sample, region);
  }

  async close(): Promise<void> {
    this.#closing.abort();
  }

  /**
   * Polls until the region is out of load balancing and the balancer stopped picking it: its `lbtot` unchanged between
   * two samples taken after the command (persistent connections may still raise `stot`, as drain allows).
   */
  async #untilNewTrafficStops(region: string, signal: AbortSignal): Promise<Sample> {
    let previous: number | undefined;
    const seen = await this.#poll(this.#clock.now() + this.#verifyMs, () => this.#sample(signal), (s) => {
      const v = this.#view(s, region);
      const picked = v.stat.lbtot ?? v.stat.stot;
      // `UP` under an admin drain would mean the statistics have not caught up; DRAIN, DOWN or MAINT have
      const drained = adminStateOf(v.state.adminState) !== 'ready' && !v.stat.status.startsWith('UP');
      const steady = previous === picked;
      previous = drained ? picked : undefined;
      return drained && steady ? true : undefined;
    }, signal);
    if (!seen.value) throw this.#unconfirmed(`that new traffic stopped reaching region ${region}`, seen.sample, region);
    return seen.sample;
  }

  /** Samples until `check` gives a value or `deadline` (clock ms) passes; `first` is a sample already taken. */
  async #poll<T>(deadline: number, read: () => Promise<Sample>, check: (s: Sample) => T | undefined, signal: AbortSignal, first?: Sample): Promise<Polled<T>> {
    let sample = first ?? (await read());
    for (;;) {
      const value = check(sample);
      const left = deadline - this.#clock.now();
      if (value !== undefined || left <= 0) return { value, sample };
      const jittered = this.#pollMs * (0.8 + 0.4 * this.#random());
      await this.#clock.sleep(Math.min(jittered, left), signal);
      sample = await read();
    }
  }

  /** The backend's servers now: `show stat` for the counters, `show servers state` for admin state and weights. */
  async #sample(signal: AbortSignal): Promise<Sample> {
    const [statText, stateText] = await Promise.all([
      this.#runtime.send(runtimeCommand(`show stat`, this.backend, '4', '-1'), signal),
      this.#runtime.send(runtimeCommand('show servers state', this.backend), signal),
    ]);
    if (/^(No such proxy|Can't find backend)/.test(statText.trim()) || /^Can't find backend/.test(stateText.trim())) {
      throw await this.#noSuchBackend(signal);
    }
    const stats = new Map(parseShowStat(statText).filter((r) => r.pxname === this.backend).map((r) => [r.svname, r]));
    const views = new Map<string, ServerView>();
    for (const state of parseServersState(stateText)) {
      const stat = stats.get(state.server);
      if (state.backend === this.backend && stat) views.set(state.server, { stat, state });
    }
    return views;
  }

  async #noSuchBackend(signal: AbortSignal): Promise<TrafficError> {
    const listed = await this.#runtime.send('show backend', signal);
    const backends = listed.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    return new TrafficError(
      `HAProxy at ${this.#runtime.address} has no backend ${this.backend} (its backends: ${backends.join(', ') || 'none'}); ` +
        'set traffic.haproxy.backend in the plan to the backend whose servers are the regions',
    );
  }

  #serverOf(region: string): string {
    const server = this.#servers[region];
    if (server === undefined) {
      throw new TrafficError(`region ${region} has no HAProxy server; the regions are ${this.regions.join(', ')}; add it under traffic.servers in the plan`);
    }
    return server;
  }

  #target(region: string): string {
    return `${this.backend}/${this.#serverOf(region)}`;
  }

  #view(sample: Sample, region: string): ServerView {
    const server = this.#serverOf(region);
    const view = sample.get(server);
    if (view) return view;
    throw new TrafficError(
      `HAProxy backend ${this.backend} has no server ${server} (region ${region}); its servers are ${[...sample.keys()].join(', ') || 'none'}; ` +
        'fix the region -> server names under traffic.servers in the plan',
    );
  }

  /** Invariant 3: the last server in service never leaves traffic. */
  #requireAnotherInService(sample: Sample, region: string, verb: string): void {
    const server = this.#serverOf(region);
    const others = [...sample.values()].filter((v) => v.state.server !== server);
    if (others.some(inService)) return;
    const seen = others.map((v) => `${v.state.server}: ${describe(v)}`).join('; ') || 'it has no other server';
    throw new TrafficError(
      `refusing to ${verb} region ${region}: no other server of HAProxy backend ${this.backend} is ready, UP and weighted (${seen}), ` +
        `so ${region} is the last one in service; bring another region back first`,
    );
  }

  #unconfirmed(what: string, sample: Sample, region: string): TrafficError {
    return new TrafficError(`HAProxy's statistics did not confirm ${what} within ${this.#verifyMs} ms; last seen ${describe(this.#view(sample, region))}`);
  }

  #signal(signal: AbortSignal | undefined): AbortSignal {
    if (this.#closing.signal.aborted) throw new TrafficError('this HAProxy adapter is closed; create a new one');
    return signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
  }
}

function inService(v: ServerView): boolean {
  const up = v.stat.status.startsWith('UP') || v.stat.status === 'no check';
  return up && adminStateOf(v.state.adminState) === 'ready' && v.state.uweight > 0;
}

function describe(v: ServerView): string {
  return `status ${v.stat.status}, ${adminStateOf(v.state.adminState)}, weight ${v.state.uweight} (initial ${v.state.iweight}), ` +
    `${v.stat.scur} sessions, picked ${v.stat.lbtot ?? '?'} times`;
}

function regionTraffic(v: ServerView): RegionTraffic {
  const total = responsesOf(v.stat) ?? v.stat.req_tot ?? v.stat.stot;
  return {
    weight: v.state.uweight,
    initialWeight: v.state.iweight,
    state: adminStateOf(v.state.adminState),
    sessions: v.stat.scur,
    requests: { total, errors: v.stat.hrsp_5xx ?? 0 },
    health: v.stat.status,
  };
}
