// Parser for `show servers state <backend>`: the one place HAProxy 2.6 reports a server's admin state
// (drain, maintenance) even while health checks mark it DOWN, and its user and initial weights together.
import { TrafficError } from './types.ts';

export interface ServerStateRow {
  readonly backend: string;
  readonly server: string;
  /** 0 stopped, 1 starting, 2 running, 3 stopping (soft-stop, e.g. a 404 with disable-on-404). */
  readonly opState: number;
  /** Bit mask: 0x01 forced maint, 0x02 inherited maint, 0x04 maint from config, 0x08 forced drain, 0x10 inherited drain, 0x20 maint on a resolution failure. */
  readonly adminState: number;
  /** The weight `set weight` gave (or haproxy.cfg, until then). */
  readonly uweight: number;
  /** The weight haproxy.cfg gave. */
  readonly iweight: number;
}

const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20;
const DRAIN_BITS = 0x08 | 0x10;

/** The admin state as the traffic port names it: maintenance wins over drain. */
export function adminStateOf(adminState: number): 'ready' | 'drain' | 'maint' {
  if (adminState & MAINT_BITS) return 'maint';
  if (adminState & DRAIN_BITS) return 'drain';
  return 'ready';
}

/** Parses format version 1; throws a TrafficError quoting the text when it is not that ("Can't find backend."). */
export function parseServersState(text: string): ServerStateRow[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const header = lines[1];
  if (lines[0] !== '1' || !header?.startsWith('# ')) {
    const flat = text.replace(/\s+/g, ' ').trim() || 'an empty reply';
    throw new TrafficError(`expected \`show servers state\` format 1 with a '# be_id be_name ...' header, got: ${flat.slice(0, 200)}`);
  }
  const names = header.slice(2).split(' ');
  const at = (name: string): number => {
    const i = names.indexOf(name);
    if (i < 0) throw new TrafficError(`\`show servers state\` header lacks the column ${name}: ${header}`);
    return i;
  };
  const cols = {
    backend: at('be_name'), server: at('srv_name'), op: at('srv_op_state'), admin: at('srv_admin_state'),
    uweight: at('srv_uweight'), iweight: at('srv_iweight'),
  };
  return lines.slice(2).filter((l) => !l.startsWith('#')).map((line) => {
    const v = line.split(' ');
    return {
      backend: v[cols.backend] ?? '',
      server: v[cols.server] ?? '',
      opState: Number(v[cols.op]),
      adminState: Number(v[cols.admin]),
      uweight: Number(v[cols.uweight]),
      iweight: Number(v[cols.iweight]),
    };
  });
}
