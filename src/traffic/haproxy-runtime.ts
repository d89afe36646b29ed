// A client for HAProxy's runtime API (the stats socket) in non-interactive mode: one connection per command
// line, the reply read until HAProxy closes it, each call bounded by a timeout and by a cap on open connections.
import { createConnection, type Socket } from 'node:net';
import { backoffDelay, type Backoff } from '../lib/backoff.ts';
import { abortError, systemClock, type Clock } from '../lib/clock.ts';
import { errnoCode, errorMessage } from '../lib/errors.ts';
import { TrafficError } from './types.ts';

/** Where the runtime API listens. */
export type RuntimeAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export interface HaproxyRuntimeOptions {
  /** `unix:///run/haproxy/admin.sock`, a bare path, `tcp://127.0.0.1:9999`, `ipv4@127.0.0.1:9999` or `ipv6@[::1]:9999`. */
  readonly address: string;
  /** Real-time bound on one command: connect, write, read until HAProxy closes. Default 5 s. */
  readonly timeoutMs?: number;
  /** Connections open at once. HAProxy's stats socket takes 10 by default (`stats maxconn`); leave room for operators. Default 4. */
  readonly maxConnections?: number;
  /** Waits between attempts to connect go through it. */
  readonly clock?: Clock;
  readonly random?: () => number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_CONNECTIONS = 4;
/** Connecting again helps when HAProxy reloads or its accept queue is full; a missing socket does not come back by itself. */
const TRANSIENT_CONNECT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EAGAIN', 'EPIPE']);
const CONNECT_ATTEMPTS = 3;
const CONNECT_BACKOFF: Backoff = { baseMs: 50, capMs: 400 };
/** How much of a refusal's text an error message keeps (an unknown command answers with the whole help). */
const REPLY_CHARS = 300;

/** Parses the runtime API address as haproxy.cfg's `stats socket` and the plan's `runtimeApi` spell it. */
export function parseRuntimeAddress(address: string): RuntimeAddress {
  const a = address.trim();
  if (a.startsWith('unix://')) return unixAddress(a.slice('unix://'.length), address);
  if (a.startsWith('unix@')) return unixAddress(a.slice('unix@'.length), address);
  if (a.startsWith('/') || a.startsWith('./')) return unixAddress(a, address);
  const tcp = /^(?:tcp:\/\/|ipv4@|ipv6@)(?:\[([^\]]+)\]|([^:/[\]]+)):(\d{1,5})\/?$/.exec(a);
  const port = Number(tcp?.[3]);
  const host = tcp?.[1] ?? tcp?.[2];
  if (host && port > 0 && port < 65_536) return { kind: 'tcp', host, port };
  throw new TrafficError(
    `HAProxy runtime API address '${address}' is neither a unix socket nor a TCP address; ` +
      'write unix:///run/haproxy/admin.sock, a bare path, or tcp://127.0.0.1:9999',
  );
}

function unixAddress(path: string, original: string): RuntimeAddress {
  if (!path) throw new TrafficError(`HAProxy runtime API address '${original}' has no socket path; write unix:///run/haproxy/admin.sock`);
  return { kind: 'unix', path };
}

/**
 * One argument of a command line: `;` and `\` escaped with a backslash as the CLI expects. Whitespace would
 * split the argument, so it is refused (no backend or server name contains any).
 */
export function escapeArg(arg: string): string {
  // eslint-disable-next-line no-control-regex
  if (arg === '' || /[\s\x00-\x1f]/.test(arg)) {
    throw new TrafficError(`'${arg}' cannot be passed to HAProxy's runtime API: names must be non-empty and free of spaces`);
  }
  return arg.replace(/[\\;]/g, (c) => `\\${c}`);
}

/** A command line from words: the first ones are the command's keywords, the rest escaped as arguments. */
export function runtimeCommand(keywords: string, ...args: string[]): string {
  return [keywords, ...args.map(escapeArg)].join(' ');
}

/** What to do about the refusals whose fix is in haproxy.cfg. */
function refusalHint(text: string, configLine: string): string {
  if (/permission denied/i.test(text)) return `; the socket needs \`${configLine}\` in haproxy.cfg`;
  if (/static LB algorithm/i.test(text)) return '; shares need a dynamic algorithm: `balance roundrobin` or `balance leastconn` in that backend';
  return '';
}

/** Counts connections in flight and queues the rest: a cap per client instance, not per process. */
class ConnectionSlots {
  readonly #max: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  async acquire(): Promise<void> {
    if (this.#busy < this.#max) {
      this.#busy++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy--;
  }
}

/** A failure before the connection was made: nothing was sent, so another attempt is safe. */
class ConnectFailure extends Error {
  override readonly name = 'ConnectFailure';
}

export class HaproxyRuntime {
  /** The address as given, for messages. */
  readonly address: string;
  readonly #target: RuntimeAddress;
  readonly #timeoutMs: number;
  readonly #slots: ConnectionSlots;
  readonly #clock: Clock;
  readonly #random: () => number;

  constructor(o: HaproxyRuntimeOptions) {
    this.address = o.address;
    this.#target = parseRuntimeAddress(o.address);
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#slots = new ConnectionSlots(Math.max(1, o.maxConnections ?? DEFAULT_MAX_CONNECTIONS));
    this.#clock = o.clock ?? systemClock;
    this.#random = o.random ?? Math.random;
  }

  /** Sends one line (several commands joined with `;` run in order on the same connection) and returns the reply. */
  async send(line: string, signal?: AbortSignal): Promise<string> {
    if (/[\r\n]/.test(line)) throw new TrafficError(`a runtime API command is one line; got ${JSON.stringify(line)}`);
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortError();
      try {
        return await this.#once(line, signal);
      } catch (e: unknown) {
        if (!(e instanceof ConnectFailure)) throw e;
        const code = errnoCode(e.cause);
        if (attempt + 1 >= CONNECT_ATTEMPTS || !code || !TRANSIENT_CONNECT_CODES.has(code)) throw this.#unreachable(e.cause);
        await this.#clock.sleep(backoffDelay(CONNECT_BACKOFF, attempt, this.#random), signal);
      }
    }
  }

  /**
   * Runs write commands on one connection, so they take effect together. HAProxy answers a successful write
   * with an empty line; any text is its refusal ("No such server.") and becomes a TrafficError.
   */
  async write(commands: readonly string[], signal?: AbortSignal): Promise<void> {
    const line = commands.join('; ');
    const reply = (await this.send(line, signal)).trim();
    if (reply === '') return;
    const text = reply.replace(/\s+/g, ' ');
    const shown = text.length > REPLY_CHARS ? `${text.slice(0, REPLY_CHARS)}…` : text;
    const hint = refusalHint(text, this.#configLine());
    throw new TrafficError(`HAProxy at ${this.address} refused \`${line}\`: ${shown}${hint}`);
  }

  #unreachable(cause: unknown): TrafficError {
    return new TrafficError(
      `cannot reach HAProxy's runtime API at ${this.address}: ${errorMessage(cause)}; check \`${this.#configLine()}\` in haproxy.cfg ` +
        'and that HAProxy runs and this user may open the socket',
      { cause },
    );
  }

  #configLine(): string {
    const t = this.#target;
    const where = t.kind === 'unix' ? t.path : `${t.host.includes(':') ? 'ipv6' : 'ipv4'}@${t.host}:${t.port}`;
    return `stats socket ${where} level admin`;
  }

  async #once(line: string, signal?: AbortSignal): Promise<string> {
    await this.#slots.acquire();
    try {
      // the caller may have given up while this command waited for a free connection
      if (signal?.aborted) throw abortError();
      return await this.#exchange(line, signal);
    } finally {
      this.#slots.release();
    }
  }

  #exchange(line: string, signal?: AbortSignal): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const t = this.#target;
      const socket: Socket = t.kind === 'unix' ? createConnection({ path: t.path }) : createConnection({ host: t.host, port: t.port });
      const chunks: Buffer[] = [];
      let connected = false;
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        if (err) reject(err);
        else resolve(Buffer.concat(chunks).toString('utf8'));
      };
      const onAbort = (): void => finish(abortError());
      const timer = setTimeout(() => {
        finish(new TrafficError(
          `HAProxy's runtime API at ${this.address} did not ${connected ? 'finish its reply to' : 'accept a connection for'} ` +
            `\`${line}\` within ${this.#timeoutMs} ms; HAProxy may be overloaded, or its stats socket's connections (stats maxconn) are all in use`,
        ));
      }, this.#timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('connect', () => {
        connected = true;
        // no half-close: HAProxy closes the connection itself once it has answered
        socket.write(`${line}\n`);
      });
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => finish());
      socket.on('close', () => finish());
      socket.on('error', (e: Error) => {
        if (!connected) finish(new ConnectFailure(e.message, { cause: e }));
        else finish(new TrafficError(`HAProxy's runtime API at ${this.address} broke off its reply to \`${line}\`: ${e.message}`, { cause: e }));
      });
    });
  }
}
