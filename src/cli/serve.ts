// `daylight serve`: the dashboard and its API over one state directory, on 127.0.0.1 unless told
// otherwise, with a bearer token made at start (printed once, or kept in a 0600 file) or read from a file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { errnoCode, UserError } from '../lib/errors.ts';
import { isLoopback, newToken } from '../server/auth.ts';
import { DEFAULT_STREAM_LIMITS } from '../server/event-stream.ts';
import { startServer } from '../server/server.ts';
import type { RunningServer } from '../server/server.ts';
import { HELP_OPTION, numberFlag, parse, positionals, stringFlag } from './args.ts';
import type { Command, Io } from './command.ts';
import { untilSignal } from './sandbox.ts';
import { STATE_DIR_OPTION, stateDir } from './state-dir.ts';

const HELP = `Usage: daylight serve [--state-dir DIR] [--port N] [--host 127.0.0.1] [--token-file F] [--token-name NAME] [--max-streams N] [--max-streams-per-client N]

A web dashboard of the runs in the state directory, live while they run: the fleet by region, zone and
rack coloured by each node's step, the traffic split per region, the timeline of waves and nodes, gates
and analysis with their values, blockers with their reasons, and pause, resume and abort buttons.
  --port N        port to listen on (default 7420; 0 picks a free one)
  --host H        address to listen on (default 127.0.0.1). Beyond loopback every call needs the token
                  (the browser asks for it: any user name, the token as password)
  --token-file F  read the token from F; when F does not exist, a new token is written to it (mode 0600)
                  and not printed
  --token-name NAME  who answers approval gates with this token, in the journal and the report
                  (default "dashboard"); give each team's server its own
  --max-streams N             live event streams the server holds at once (default 256); beyond it 429
  --max-streams-per-client N  live event streams one client address may hold (default 16); beyond it 429
Without --token-file a new token is made at start and printed once, inside the dashboard's URL
(#token=..., a part of the URL browsers never send to a server). Pause, resume and abort need it.
API: GET /api/runs, GET /api/runs/RUN, GET /api/runs/RUN/events (server-sent events),
GET /api/runs/RUN/report[?format=html], POST /api/runs/RUN/pause|resume|abort (Authorization: Bearer),
POST /api/runs/RUN/approve|reject with {"step": STEP, "comment": TEXT} (the answer is the token name's).
Ends with Ctrl-C.`;

export const SERVE_OPTIONS = { port: { type: 'string' as const }, host: { type: 'string' as const }, 'token-file': { type: 'string' as const }, 'token-name': { type: 'string' as const }, 'max-streams': { type: 'string' as const }, 'max-streams-per-client': { type: 'string' as const } };

export const serveCommand: Command = {
  name: 'serve',
  help: HELP,
  async run(argv, io) {
    const p = parse('serve', argv, { ...HELP_OPTION, ...STATE_DIR_OPTION, ...SERVE_OPTIONS });
    if (p.values.help) {
      io.out(HELP);
      return 0;
    }
    positionals(p, 0, 'daylight serve [--state-dir DIR] [--port N]');
    const server = await serveFromFlags(io, p, stateDir(p));
    await untilSignal();
    await server.close();
    io.out('daylight serve stopped.');
    return 0;
  },
};

/** Starts the server the flags ask for and tells the person where it is; `demo --serve` shares it. */
export async function serveFromFlags(io: Io, p: ReturnType<typeof parse>, dir: string): Promise<RunningServer> {
  const host = stringFlag(p, 'host') ?? '127.0.0.1';
  const port = numberFlag(p, 'port', { min: 0, max: 65_535, integer: true }) ?? 7420;
  const streams = { total: numberFlag(p, 'max-streams', { min: 1, max: 100_000, integer: true }) ?? DEFAULT_STREAM_LIMITS.total, perClient: numberFlag(p, 'max-streams-per-client', { min: 1, max: 100_000, integer: true }) ?? DEFAULT_STREAM_LIMITS.perClient };
  const tokenFile = stringFlag(p, 'token-file');
  const token = tokenFile ? tokenFrom(tokenFile) : { token: newToken(), written: false };
  let server: RunningServer;
  try {
    server = await startServer({ stateDir: dir, host, port, token: token.token, tokenName: stringFlag(p, 'token-name') ?? 'dashboard', streams, log: (r) => {
      // every refusal, so a person sees who knocked; successful reads would drown the run's output
      if (r.status >= 400) io.err(`daylight serve: ${r.method} ${r.path} ${r.status}`);
    } });
  } catch (e: unknown) {
    const code = errnoCode(e);
    if (code === 'EADDRINUSE') throw new UserError(`--port ${port}: the port is in use; pass --port N with a free port (0 picks one)`, { cause: e });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError(`--host ${host}: no such address on this machine; use 127.0.0.1 or an address of this host`, { cause: e });
    throw e;
  }
  const where = isLoopback(host) ? 'loopback only' : `on ${host}: every call needs the token`;
  if (tokenFile) io.out(`Dashboard of ${dir} at ${server.url} (${where}); the token is in ${tokenFile}${token.written ? ' (new, mode 0600)' : ''}; open ${server.url}#token=<token>`);
  else io.out(`Dashboard of ${dir} (${where}), with this session's token (shown only now):\n${server.url}#token=${token.token}`);
  return server;
}

/** The token in `path`, or a new one written there (mode 0600) when there is no file; `daylight controller --token-file` shares it. */
export function tokenFrom(path: string): { token: string; written: boolean } {
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length < 16) throw new UserError(`--token-file ${path}: the token in it is shorter than 16 characters; put a long random one there, or remove the file and a new one is written`);
    return { token, written: false };
  }
  const token = newToken();
  try {
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e: unknown) {
    throw new UserError(`--token-file ${path}: cannot write a new token there (${errnoCode(e) ?? 'unknown error'}); check that its folder exists and is writable`, { cause: e });
  }
  return { token, written: true };
}
