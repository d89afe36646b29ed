// Connecting to a cluster: load the kubeconfig (a path, $KUBECONFIG, ~/.kube/config or the in-cluster
// service account), select the context, learn the cluster's clock, and hand back the adapter.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../lib/clock.ts';
import { errorMessage, UserError } from '../lib/errors.ts';
import type { RequestObserver } from '../lib/request-tally.ts';
import { KubeCluster } from './adapter.ts';
import { KubeApi } from './api.ts';
import { detectClock } from './clock-probe.ts';

export const IN_CLUSTER = 'in-cluster';

export interface ConnectOptions {
  /** The cluster's name in the plan. */
  readonly name: string;
  /** A kubeconfig path, or "in-cluster" for the pod's service account; else $KUBECONFIG, else ~/.kube/config. */
  readonly kubeconfig?: string;
  /** The context to use; the kubeconfig's current context when omitted. */
  readonly context?: string;
  /** The environment to read KUBECONFIG from (the CLI passes process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The home directory for ~/.kube/config; os.homedir() when omitted. */
  readonly home?: string;
  /** The cluster's clock; detected (sandbox or system clock) when omitted. */
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Told of every API request (benchmarks and tests count them; see RequestTally). */
  readonly onRequest?: RequestObserver;
}

export async function connect(o: ConnectOptions): Promise<KubeCluster> {
  const kc = loadKubeConfig(o);
  if (o.kubeconfig !== IN_CLUSTER) selectContext(kc, o.context);
  const api = new KubeApi(kc, o.onRequest ? { onRequest: o.onRequest } : {});
  try {
    const clock = o.clock ?? (await detectClock(api, o.signal));
    return new KubeCluster({ name: o.name, api, clock });
  } catch (e: unknown) {
    await api.close();
    throw e;
  }
}

/** The API of one cluster, for commands that read a few objects (no clock probe, no caches); close it after. */
export function connectApi(o: Pick<ConnectOptions, 'kubeconfig' | 'context' | 'env' | 'home'>): KubeApi {
  const kc = loadKubeConfig(o);
  if (o.kubeconfig !== IN_CLUSTER) selectContext(kc, o.context);
  return new KubeApi(kc);
}

/** The kubeconfig `o` points at, loaded; a missing or unreadable file is the user's to fix. */
export function loadKubeConfig(o: Pick<ConnectOptions, 'kubeconfig' | 'env' | 'home'>): KubeConfig {
  const kc = new KubeConfig();
  if (o.kubeconfig === IN_CLUSTER) {
    loadInCluster(kc);
    return kc;
  }
  const files = kubeconfigFiles(o);
  for (const [i, file] of files.entries()) {
    if (!existsSync(file)) throw new UserError(`kubeconfig ${file} does not exist; pass --kubeconfig with the path of a kubeconfig file, or set KUBECONFIG`);
    const target = i === 0 ? kc : new KubeConfig();
    try {
      target.loadFromFile(file);
    } catch (e: unknown) {
      throw new UserError(`kubeconfig ${file} cannot be read: ${errorMessage(e)}`, { cause: e });
    }
    if (target !== kc) kc.mergeConfig(target, true);
  }
  return kc;
}

function kubeconfigFiles(o: Pick<ConnectOptions, 'kubeconfig' | 'env' | 'home'>): string[] {
  if (o.kubeconfig) return [o.kubeconfig];
  const fromEnv = (o.env?.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (fromEnv.length > 0) return fromEnv;
  return [join(o.home ?? homedir(), '.kube', 'config')];
}

function loadInCluster(kc: KubeConfig): void {
  try {
    kc.loadFromCluster();
  } catch (e: unknown) {
    throw new UserError(`cannot use the in-cluster configuration: ${errorMessage(e)}; run inside a pod with a service account, or pass --kubeconfig`, { cause: e });
  }
  if (!kc.getCurrentCluster()?.server || kc.getCurrentCluster()?.server === 'https://undefined:undefined') {
    throw new UserError('cannot use the in-cluster configuration: KUBERNETES_SERVICE_HOST is not set; run inside a pod, or pass --kubeconfig');
  }
}

function selectContext(kc: KubeConfig, context: string | undefined): void {
  const names = kc.getContexts().map((c) => c.name);
  const wanted = context ?? kc.getCurrentContext();
  if (!wanted) throw new UserError(`the kubeconfig has no current context; choose one of: ${names.join(', ') || '(none defined)'}`);
  if (!names.includes(wanted)) {
    throw new UserError(`context "${wanted}" is not in the kubeconfig; the contexts are: ${names.join(', ') || '(none defined)'}`);
  }
  kc.setCurrentContext(wanted);
  if (!kc.getCurrentCluster()) throw new UserError(`context "${wanted}" names a cluster that is not in the kubeconfig`);
}
