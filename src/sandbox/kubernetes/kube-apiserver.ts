// kube-apiserver for one sandbox control plane, configured as a real cluster's would be where Daylight
// can tell: TLS from the sandbox CA, bearer tokens, RBAC, service-account tokens, API Priority and
// Fairness (its default), and the audit log the referee reads.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditPolicyYaml } from './audit-policy.ts';
import type { ComponentProcess } from './component-process.ts';
import { startComponent } from './component-process.ts';
import type { ControlPlaneCredentials } from './credentials.ts';
import { SERVICE_CLUSTER_IP_RANGE } from './credentials.ts';
import { waitReady } from './wait-ready.ts';

export interface ApiServerOptions {
  readonly binary: string;
  readonly dir: string;
  readonly port: number;
  readonly etcdUrl: string;
  readonly credentials: ControlPlaneCredentials;
  readonly readyTimeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface RunningApiServer {
  readonly process: ComponentProcess;
  readonly url: string;
  readonly auditLogPath: string;
}

export async function startApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  const url = `https://127.0.0.1:${o.port}`;
  const auditPolicyPath = join(o.dir, 'audit-policy.yaml');
  const auditLogPath = join(o.dir, 'audit.log');
  await writeFile(auditPolicyPath, auditPolicyYaml());
  const c = o.credentials;
  const args = [
    `--etcd-servers=${o.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // The lease reconciler refuses a loopback address for the `kubernetes` Service's endpoints; nothing
    // in a sandbox reaches the API server through that Service, so none is kept.
    '--endpoint-reconciler-type=none',
    `--secure-port=${o.port}`,
    `--tls-cert-file=${c.servingCertFile}`,
    `--tls-private-key-file=${c.servingKeyFile}`,
    `--token-auth-file=${c.tokenFile}`,
    // Every request must bring a token, as on the simulated engine: one without is 401 Unauthorized, not
    // served as system:anonymous (and then 403 Forbidden), a hardened cluster's setting.
    '--anonymous-auth=false',
    '--authorization-mode=Node,RBAC',
    // As kubeadm and the managed offerings set it: privileged containers (a node agent that enters the host's namespaces) are allowed
    '--allow-privileged=true',
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${c.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${c.serviceAccountPrivateKeyFile}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    `--audit-policy-file=${auditPolicyPath}`,
    `--audit-log-path=${auditLogPath}`,
    '--audit-log-format=json',
    // The referee follows the log as it is written: no batching, no rotation.
    '--audit-log-mode=blocking',
    '--audit-log-maxsize=0',
    '--profiling=false',
  ];
  const process = startComponent('kube-apiserver', o.binary, args, join(o.dir, 'kube-apiserver.log'));
  try {
    await waitReady(process, { url: `${url}/readyz`, caPem: c.caPem, token: c.admin.token }, o.readyTimeoutMs, o.signal);
  } catch (e: unknown) {
    await process.stop();
    throw e;
  }
  return { process, url, auditLogPath };
}
