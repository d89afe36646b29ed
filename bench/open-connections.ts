// Open TCP connections from this process, by remote port, from /proc (Linux): the sockets among
// /proc/self/fd matched by inode against the ESTABLISHED rows of /proc/self/net/tcp and tcp6. Sampled
// during a run, it gives the most connections open at once to each server.
import { readFile, readdir, readlink } from 'node:fs/promises';

const ESTABLISHED = '01';

/** Remote port → connections this process has open to it now. */
export async function openConnections(): Promise<Map<number, number>> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1] as string);
  }
  const byPort = new Map<number, number>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    const rows = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] !== ESTABLISHED || !inodes.has(cols[9] ?? '')) continue;
      const port = parseInt(cols[2]?.split(':')[1] ?? '', 16);
      byPort.set(port, (byPort.get(port) ?? 0) + 1);
    }
  }
  return byPort;
}

/** The most connections open at once to one cluster's server: while it is being maintained, and while it is not. */
export interface ClusterPeaks {
  busy: number;
  idle: number;
}

/**
 * The peaks of `openConnections` to the clusters' API servers, sampled every `everyMs` until stopped. Each
 * sample counts a cluster as busy or idle by `busy(cluster)` at that moment (under its lease, say).
 */
export class ConnectionPeaks {
  /** The most open at once to all the clusters together. */
  total = 0;
  /** The most open at once to clusters that were idle at the time, together. */
  idleTotal = 0;
  readonly perCluster = new Map<string, ClusterPeaks>();
  samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  private readonly clusterOf: ReadonlyMap<number, string>;
  private readonly busy: (cluster: string) => boolean;

  /** `ports`: each cluster's API server port. */
  constructor(ports: ReadonlyMap<string, number>, busy: (cluster: string) => boolean) {
    this.clusterOf = new Map([...ports].map(([cluster, port]) => [port, cluster]));
    this.busy = busy;
    for (const cluster of ports.keys()) this.perCluster.set(cluster, { busy: 0, idle: 0 });
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sample(): Promise<void> {
    if (this.sampling) return; // a slow /proc read is skipped over, not stacked
    this.sampling = true;
    try {
      const now = await openConnections();
      let total = 0;
      let idle = 0;
      for (const [port, n] of now) {
        const cluster = this.clusterOf.get(port);
        const peaks = cluster === undefined ? undefined : this.perCluster.get(cluster);
        if (cluster === undefined || !peaks) continue;
        total += n;
        if (this.busy(cluster)) peaks.busy = Math.max(peaks.busy, n);
        else {
          peaks.idle = Math.max(peaks.idle, n);
          idle += n;
        }
      }
      this.total = Math.max(this.total, total);
      this.idleTotal = Math.max(this.idleTotal, idle);
      this.samples++;
    } finally {
      this.sampling = false;
    }
  }
}
