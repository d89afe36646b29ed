// etcd for one sandbox control plane: a single member on 127.0.0.1, plain HTTP (only the local API
// server talks to it), data in the run directory, without fsync because a sandbox is thrown away.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentProcess } from './component-process.ts';
import { startComponent } from './component-process.ts';
import { waitReady } from './wait-ready.ts';

export interface EtcdOptions {
  readonly binary: string;
  readonly dir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly readyTimeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface RunningEtcd {
  readonly process: ComponentProcess;
  readonly clientUrl: string;
}

export async function startEtcd(o: EtcdOptions): Promise<RunningEtcd> {
  const clientUrl = `http://127.0.0.1:${o.clientPort}`;
  const peerUrl = `http://127.0.0.1:${o.peerPort}`;
  const dataDir = join(o.dir, 'etcd-data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const args = [
    '--name=sandbox',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=sandbox=${peerUrl}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
  const process = startComponent('etcd', o.binary, args, join(o.dir, 'etcd.log'));
  try {
    await waitReady(process, { url: `${clientUrl}/health` }, o.readyTimeoutMs, o.signal);
  } catch (e: unknown) {
    await process.stop();
    throw e;
  }
  return { process, clientUrl };
}
